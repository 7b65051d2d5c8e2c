"""The catalogue of every message a student reads.

Translating the course means translating this one file. Each message says
what was expected, what was found and what to try. Fields in braces are
filled by :func:`message`.
"""

OUTCOME_LABELS = {
    "not_attempted": "⏳ Sin intentar",
    "incorrect": "❌ Incorrecto",
    "student_error": "💥 Error en tu código",
}

PASSED = "✅ ¡Correcto! {what}"

MESSAGES = {
    # --- attempts: is there an answer at all? ---
    "not_defined": (
        "Aún no has definido `{name}`. Completa la celda de la solución y "
        "ejecútala; si esa celda da un error, corrígelo primero."
    ),
    "not_implemented": (
        "`{name}` todavía lanza `NotImplementedError`: borra la línea "
        "`raise NotImplementedError()` y escribe tu solución."
    ),
    "not_callable": (
        "`{name}` debería ser una función, pero es {found}. Defínela con `def {name}(...):`."
    ),
    "raised": (
        "Al llamar `{call}` se lanzó `{ename}: {evalue}`. Prueba esa misma "
        "llamada en una celda nueva y corrige tu código."
    ),
    "input_modified": (
        "`{call}` modificó su argumento `{arg}`; se esperaba que lo dejara "
        "igual. Trabaja sobre una copia (por ejemplo `x.astype(...)` o "
        "`x.reshape(...)` devuelven un array nuevo) en lugar de usar "
        "operaciones en el sitio como `x /= ...`."
    ),
    # --- arrays and tensors, coarse to fine ---
    "type_numpy": (
        "`{name}` es {found}; se esperaba un array de NumPy (`np.ndarray`). "
        "Créalo con `np.array(...)` o conviértelo con `np.asarray(...)`."
    ),
    "type_tensor": (
        "`{name}` es {found}; se esperaba un tensor de TensorFlow "
        "(`tf.Tensor`). Créalo con `tf.constant(...)` o "
        "`tf.convert_to_tensor(...)`."
    ),
    "type_array": (
        "`{name}` es {found}; se esperaba un array de NumPy o un tensor. Devuelve un `np.ndarray`."
    ),
    "ndim": ("`{name}` tiene {found} dimensiones (`ndim`); se esperaban {expected}. {hint}"),
    "shape": "`{name}` tiene forma {found}; se esperaba {expected}. {hint}",
    "dtype": (
        "`{name}` es de tipo `{found}`; se esperaba `{expected}`. "
        "Conviértelo con `.astype(np.{expected})`{tensor_hint}."
    ),
    "not_finite": (
        "`{name}` contiene valores `nan` o `inf` (por ejemplo en la posición "
        "{where}). Revisa las divisiones y las operaciones con números muy "
        "grandes o muy pequeños."
    ),
    "range": (
        "Los valores de `{name}` van de {low} a {high}; se esperaban valores "
        "entre {expected_low} y {expected_high}. {hint}"
    ),
    "values": (
        "`{name}` tiene la forma y el tipo correctos, pero sus valores no son "
        "los esperados: en la posición {where} hay {found} y se esperaba "
        "{expected}. {hint}"
    ),
    "equal": "`{name}` vale {found}; se esperaba {expected}. {hint}",
    "sequence": ("`{name}` es {found}; se esperaba una tupla de {length} elementos. {hint}"),
    # --- default hints ---
    "hint_ndim": "Revisa cuántos niveles de corchetes tiene tu array.",
    "hint_shape": "Comprueba la forma con `{name}.shape`.",
    "hint_range": "Revisa la escala: ¿dividiste por el valor correcto?",
    "hint_values": "Imprime `{name}` y compáralo con el enunciado.",
    "hint_equal": "Relee el enunciado del ejercicio.",
    "tensor_hint": " o `tf.cast(..., tf.{expected})`",
}

# How :func:`autograder.describe.describe` names a value's type.
TYPE_NAMES = {
    "NoneType": "`None` (¿olvidaste el `return`?)",
    "ndarray": "un `np.ndarray`",
    "list": "una lista",
    "tuple": "una tupla",
    "dict": "un diccionario",
    "int": "un entero (`int`)",
    "float": "un número decimal (`float`)",
    "str": "un texto (`str`)",
    "bool": "un booleano (`bool`)",
    "function": "una función",
    "tensor": "un `tf.Tensor`",
    "other": "un objeto de tipo `{type}`",
}

ARRAY_DESCRIPTION = "{kind} de forma {shape} y tipo `{dtype}`"


def message(key: str, **fields: object) -> str:
    """Return the catalogue message ``key`` filled with ``fields``."""
    return MESSAGES[key].format(**fields).strip()
