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

PASSED = "✅ Comprobación visible superada. {what}"

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
        "`{name}` contiene valores `nan` o `inf` (por ejemplo en la posición {where}). {hint}"
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
    "hint_finite": (
        "Revisa las divisiones y las operaciones con números muy grandes o muy pequeños."
    ),
    "hint_range": "Revisa la escala: ¿dividiste por el valor correcto?",
    "hint_values": "Imprime `{name}` y compáralo con el enunciado.",
    "hint_equal": "Relee el enunciado del ejercicio.",
    "tensor_hint": " o `tf.cast(..., tf.{expected})`",
    # --- models: Keras Sequential, training, accuracy (04-06) ---
    "model_type": (
        "`{name}` es {found}; se esperaba un modelo `keras.Sequential`. Créalo con "
        "`{name} = keras.Sequential([...])` (con paréntesis) o con `keras.Sequential()` y "
        "`{name}.add(...)`."
    ),
    "model_layer_kind": (
        "La capa {index} (`{layer}`) no es una capa densa ni de activación; en este ejercicio "
        "el modelo solo usa capas `Dense` (y, si quieres, `Activation`, `ReLU` o `Softmax`). "
        "Quítala."
    ),
    "model_activation_first": (
        "La capa {index} (`{layer}`) es una activación, pero no hay una capa `Dense` antes. "
        "Pon cada activación después de su capa `Dense`, o dentro de ella con `activation=...`."
    ),
    "model_no_layers": (
        "`{name}` no tiene ninguna capa densa. Añade las capas `Dense` que pide el enunciado."
    ),
    "model_dense_count": (
        "`{name}` tiene {found} capa(s) `Dense` ({units}); se esperaban {expected} "
        "({expected_units}). {hint}"
    ),
    "model_missing_hidden": (
        'Falta la capa oculta: añade `Dense({units}, activation="relu")` antes de la capa de '
        "salida."
    ),
    "model_extra_layers": "Quita las capas `Dense` que sobran: el enunciado pide exactamente esas.",
    "model_min_hidden": (
        "`{name}` no tiene capas ocultas: solo tiene la capa de salida ({units}). Añade al menos "
        "una capa `Dense` oculta con activación ReLU antes de la salida."
    ),
    "model_units": (
        "La capa {index} (`Dense`) tiene {found} neuronas (`units`); se esperaban {expected}. "
        "Escribe `Dense({expected}, ...)`."
    ),
    "model_not_built": (
        "`{name}` aún no conoce la forma de su entrada, así que Keras no ha creado sus pesos. "
        "Empieza el modelo con `keras.Input(shape=({features},))`."
    ),
    "model_input_shape": (
        "La entrada de `{name}` tiene forma {found}; se esperaba {expected}: cada ejemplo es "
        "un vector de {features} valores. Usa `keras.Input(shape=({features},))`."
    ),
    "model_output_shape": (
        "La capa {index} (`{layer}`) produce salidas de forma {found}; se esperaba {expected}. "
        "Revisa la forma de la entrada y el número de neuronas."
    ),
    "model_layer_params": (
        "La capa {index} (`Dense`) tiene {found} parámetros; se esperaban {expected} = "
        "({inputs} entradas + 1 sesgo) × {units} neuronas. Revisa la forma de la entrada."
    ),
    "model_total_params": (
        "`{name}` tiene {found} parámetros en total; se esperaban {expected}. Revisa las capas "
        "con `{name}.summary()`."
    ),
    "model_budget": (
        "`{name}` tiene {found} parámetros; el límite es {budget}. Usa menos neuronas o menos "
        "capas ocultas (compruébalo con `{name}.summary()`)."
    ),
    "model_hidden_activation": (
        "La capa {index} (`{layer}`) usa la activación `{found}`; las capas ocultas deben usar "
        '`relu`. Escribe `activation="relu"`.'
    ),
    "model_output_activation": (
        "La capa {index} (`{layer}`) usa la activación `{found}`; para clasificar {classes} "
        "clases la salida debe ser `softmax`, que da una probabilidad por clase. Escribe "
        '`activation="softmax"`.'
    ),
    "model_output_units": (
        "La capa de salida (capa {index}, `Dense`) tiene {found} neuronas; para clasificar "
        "{classes} clases se esperaban {expected}, una por clase."
    ),
    "model_binary_output": (
        "La capa de salida (capa {index}, `{layer}`) tiene {units} neurona(s) con activación "
        '`{found}`; para dos clases usa `Dense(1, activation="sigmoid")` (una probabilidad) '
        'o `Dense(2, activation="softmax")` (una por clase).'
    ),
    "model_not_probabilities": (
        "Las salidas de `{name}` no son probabilidades: una fila suma {found} y debería sumar "
        '1. Usa `activation="softmax"` en la capa de salida.'
    ),
    "model_not_probability": (
        "Las salidas de `{name}` van de {low} a {high}; una probabilidad está entre 0 y 1. Usa "
        '`activation="sigmoid"` en la capa de salida.'
    ),
    "model_predict_error": (
        "Al calcular `{name}.predict(x)` con datos de {features} columnas: {error}. "
        "Revisa la forma de la entrada del modelo."
    ),
    "model_predict_shape": (
        "`{name}.predict(x)` devuelve forma {found}; se esperaba {expected}. Revisa la capa de "
        "salida."
    ),
    "model_not_compiled": (
        "`{name}` no está compilado. Llama a `{name}.compile(optimizer=..., loss=..., "
        'metrics=["accuracy"])` después de crearlo.'
    ),
    "model_loss_many": (
        "`{name}` se compiló con varias pérdidas ({found}); este modelo tiene una sola salida: "
        "usa una sola pérdida."
    ),
    "model_loss_kind": (
        "`{name}` usa la pérdida `{found}`; para clasificar usa una entropía cruzada: {expected}."
    ),
    "model_loss_labels": (
        "`{name}` usa la pérdida `{found}`, pero {labels}; con esas etiquetas la pérdida debe "
        "ser {expected}."
    ),
    "model_loss_logits": (
        "La pérdida de `{name}` usa `from_logits=True`, pero la capa de salida ya da "
        "probabilidades. Quita `from_logits=True`."
    ),
    "labels_sparse": "las etiquetas son enteros (una columna, `{shape}`)",
    "labels_onehot": "las etiquetas están en formato one-hot (`{shape}`)",
    "labels_binary_output": "la salida es una sola neurona `sigmoid`",
    "labels_classes": "hay {classes} clases",
    "labels_dataset_sparse": (
        "las etiquetas del conjunto de datos son enteros (no encuentro tus etiquetas de "
        "entrenamiento en formato one-hot)"
    ),
    "model_no_accuracy": (
        '`{name}` no mide la exactitud: compila con `metrics=["accuracy"]` (encontrado: {found}).'
    ),
    "model_wrong_accuracy": (
        'La métrica `{found}` no sirve con {labels}: usa `metrics=["accuracy"]`, que Keras '
        "adapta a tus etiquetas."
    ),
    "model_exact_accuracy": (
        "`keras.metrics.Accuracy()` compara valores exactos y no sirve para probabilidades: "
        'usa `metrics=["accuracy"]`.'
    ),
    # --- training: history, accuracy computed by the grader ---
    "history_type": (
        "`{name}` es {found}; se esperaba el objeto `History` que devuelve `model.fit(...)`. "
        "Escribe `{name} = model.fit(...)`."
    ),
    "history_empty": (
        "`{name}` no tiene ninguna época registrada. Entrena con `model.fit(..., epochs=...)`."
    ),
    "history_no_validation": (
        "`{name}` no tiene `{series}`: el modelo se entrenó sin datos de validación. Añade "
        "`validation_split=0.2` a la llamada a `fit(...)`."
    ),
    "history_no_accuracy": (
        "`{name}` no registra la exactitud (claves: {keys}). Compila con "
        '`metrics=["accuracy"]` y vuelve a entrenar.'
    ),
    "accuracy_low": (
        "`{name}` acierta el {found} de {what} (lo calcula el calificador con sus propios "
        "datos); se necesita al menos el {threshold}. {hint}"
    ),
    "accuracy_hint": (
        "¿Entrenaste el modelo, con las épocas que pide el enunciado? Ejecuta de nuevo desde "
        "la creación del modelo."
    ),
    "accuracy_hint_project": (
        "Entrena más épocas, prueba lotes más pequeños o más neuronas (dentro del límite de "
        "parámetros), y ejecuta de nuevo desde la creación del modelo: crearlo (ejercicio 1) y "
        "compilarlo (ejercicio 2) antes de entrenar."
    ),
    "class_recall_low": (
        "`{name}` solo reconoce el {found} de los ejemplos de la clase {label} en {what}; "
        "se esperaba al menos el {threshold} en cada clase. Entrena más épocas."
    ),
    "evaluation_mismatch": (
        "`{variable}` vale {found}, pero `{name}` da {expected} con los datos de prueba "
        "(calculado por el calificador). Guarda en `{variable}` el resultado de "
        "`{name}.evaluate(x_test, y_test, verbose=0)` y no cambies `x_test` ni `y_test`."
    ),
    # --- learning curves ---
    "figure_type": (
        "`{call}` devolvió {found}; se esperaba una figura de Matplotlib. Crea la figura con "
        "`fig, (ax1, ax2) = plt.subplots(1, 2)` y termina la función con `return fig`."
    ),
    "figure_missing_curve": (
        "En la figura de `{call}` no hay ninguna línea con los valores de `{series}`. Dibuja "
        '`historial.history["{series}"]` con `ax.plot(...)`.'
    ),
    "figure_curves_apart": (
        "En la figura de `{call}`, `{series}` y `{other}` están en gráficos distintos; dibuja "
        "entrenamiento y validación de la misma magnitud en el mismo gráfico."
    ),
    "figure_one_panel": (
        "En la figura de `{call}` la pérdida y la exactitud están en el mismo gráfico; usa dos "
        "gráficos, uno para cada magnitud (`plt.subplots(1, 2)`)."
    ),
    # --- data: split, labels ---
    "labels_format": (
        "`{name}` tiene forma {found}; se esperaban etiquetas enteras de forma ({n},) o en "
        "formato one-hot de forma ({n}, {classes})."
    ),
    "labels_onehot_values": (
        "`{name}` tiene {classes} columnas pero no es one-hot: cada fila debe tener un 1 y el "
        "resto ceros. Usa `keras.utils.to_categorical(y, {classes})`."
    ),
    "split_rows": (
        "Las filas de `{name}` no son las de la división pedida (la fila {where} no coincide). "
        "Usa `train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)` y separa en "
        "el orden `x_train, x_test, y_train, y_test`."
    ),
    "scale_max": (
        "El valor máximo de `{name}` es {found}; se esperaba {expected}. Divide los píxeles por "
        "{divisor}, su valor máximo."
    ),
    "split_labels": (
        "`{name}` no corresponde a las filas de `{x_name}` (la etiqueta {where} no coincide). "
        "Divide `X` e `y` en la misma llamada a `train_test_split`."
    ),
    # --- end models (04-06) ---
    # --- 02_neurona / 03_activaciones: single numbers and probabilities (outputs.py) ---
    "number_type": "`{name}` es {found}; se esperaba un solo número. {hint}",
    "number_integer": "`{name}` vale {found}; se esperaba un número entero. {hint}",
    "number_not_finite": (
        "`{name}` vale {found}; se esperaba un número finito. Revisa las divisiones y "
        "las operaciones con números muy grandes o muy pequeños."
    ),
    "prob_sum": (
        "Los valores de `{name}` suman {found}; unas probabilidades deben sumar 1. {hint}"
    ),
    "prob_sum_row": (
        "La fila {where} de `{name}` suma {found}; cada fila de probabilidades debe sumar 1. {hint}"
    ),
    "hint_number": "Devuelve un solo número, no una lista ni un array con varios elementos.",
    "hint_integer": "Un índice es un entero: `np.argmax(...)` ya lo devuelve así.",
    "hint_prob_finite": (
        "Revisa las divisiones y las exponenciales de números muy grandes o muy pequeños."
    ),
    "hint_prob_sum": (
        "Divide cada valor por la suma a lo largo del último eje: "
        "`np.sum(..., axis=-1, keepdims=True)`."
    ),
    # --- end 02_neurona / 03_activaciones ---
    # --- fragments that fill other messages ---
    "relu_with_parameters": "relu (con parámetros)",
    "class_not_instance": "la clase `{cls}` (faltan los paréntesis)",
    "none_layers": "ninguna",
    "none_keys": "ninguna",
    "word_or": "o",
    "no_metric": "ninguna métrica",
    "binary_output_shapes": "({rows}, 1) o ({rows}, 2)",
    "negative_values": "valores negativos",
    "sequence_length": "{found} de {length} elementos",
    # --- 05_entrenamiento: predicted classes ---
    "classes_hint_shape": "Devuelve una clase por fila: `np.argmax(..., axis=1)`.",
    "classes_hint_values": (
        "Usa el argumento `modelo`, no la variable global `{model}`, y toma la clase "
        "más probable de cada fila con `np.argmax(..., axis=1)`."
    ),
    # --- issue 15: confusion matrix, per-class recall, training budget (confusion.py,
    # budget.py) ---
    "confusion_type": (
        "`{name}` es {found}; se esperaba una matriz de {classes}×{classes} con números enteros. "
        "Calcúlala con `confusion_matrix(y_test, clases_test)`."
    ),
    "confusion_shape": (
        "`{name}` tiene forma {found}; se esperaba ({classes}, {classes}): una fila por clase "
        "real y una columna por clase predicha."
    ),
    "confusion_counts": (
        "`{name}` debe contar ejemplos: solo números enteros y no negativos. Calcúlala con "
        "`confusion_matrix(y_test, clases_test)`."
    ),
    "confusion_total": (
        "Los números de `{name}` suman {found}; se esperaba {expected}, uno por ejemplo de "
        "prueba. Compara `y_test` con las clases predichas de todo `x_test`."
    ),
    "confusion_transposed": (
        "`{name}` está traspuesta: las filas deben ser la clase real y las columnas la clase "
        "predicha. Llama a `confusion_matrix(y_test, clases_test)` en ese orden."
    ),
    "confusion_mismatch": (
        "`{name}` es {found}, pero las predicciones de `{model}` con los datos de prueba dan "
        "{expected} (lo calcula el calificador). Calcula las clases con tu modelo y todo "
        "`x_test` (con una salida sigmoid, clase 1 si la probabilidad es mayor que 0,5; con "
        "softmax, la columna más probable) y no cambies `x_test` ni `y_test`."
    ),
    "rate_type": "`{name}` es {found}; se esperaba un solo número entre 0 y 1. {hint}",
    "rate_range": ("`{name}` vale {found}; una fracción de ejemplos está entre 0 y 1. {hint}"),
    "recall_mismatch": (
        "`{name}` vale {found}; con la matriz de confusión de `{model}` (la calcula el "
        "calificador) se esperaba {expected}. {hint}"
    ),
    "training_report": "⏱️ Entrenaste {epochs} épocas{batches}{time}.",
    "training_batches": " de {steps} lotes cada una",
    "training_time": " en {seconds} s (presupuesto: {budget} s)",
    "training_no_time": (
        " (no encuentro el tiempo en `{seconds_name}`: no borres las líneas que lo miden)"
    ),
    "training_over_budget": (
        "Te pasaste del presupuesto: prueba lotes más grandes o menos épocas. El tiempo no "
        "cuenta para la nota, pero un entrenamiento corto te deja probar más."
    ),
    "accuracy_hint_budget": (
        "Prueba más épocas o lotes más pequeños (así los pesos se ajustan más veces) y ejecuta "
        "de nuevo desde la creación del modelo; `val_accuracy` en las últimas épocas te "
        "dice si vas bien."
    ),
    "reasoned_wrong": "`{name}` vale {found}: no es el valor correcto. {hint}",
    # --- end issue 15 ---
    # --- issue 12: library errors in one Spanish line; integer values given as floats ---
    "model_input_width": "`{name}` espera entradas de {expected} valores y recibió {found}",
    "number_float_not_integer": (
        "`{name}` es el decimal `{found}` (de tipo `{type}`); se esperaba un número entero "
        "(`int`). {hint}"
    ),
    "numpy_scalar": "un número de NumPy (`np.{type}`)",
    # --- issue 11: the grading sandbox ---
    "sandbox_memory": (
        "Tu código superó el límite de memoria del calificador ({mb} MB) y esta celda se "
        "detuvo. Revisa si creas arrays o listas enormes (por ejemplo, dentro de un bucle) "
        "y usa datos más pequeños."
    ),
    # --- issue 10: grader-side verdicts (autograde runs the checks outside your kernel) ---
    "not_defined_after_error": (
        "`{name}` no está definido porque una celda anterior de tu cuaderno dio un error "
        "(`{error}`). Corrige ese error y vuelve a ejecutar el cuaderno desde el principio."
    ),
    "not_encodable": (
        "No se pudo leer {what}: es {found}, y aquí se esperaba un valor de datos "
        "(número, texto, lista, array, tensor, modelo de Keras…). Guarda en la variable el "
        "resultado tal cual lo da NumPy, TensorFlow o Keras, sin clases propias."
    ),
    "not_standard_model": (
        "{what} no es un modelo estándar de Keras ({found}). Constrúyelo con "
        "`keras.Sequential([...])` y capas de `keras.layers`, sin subclases, sin capas "
        "`Lambda` y sin reemplazar sus métodos (`predict`, `call`, `count_params`…)."
    ),
    "not_standard_layer": (
        "{what} no es una capa estándar de Keras ({found}). Usa una capa de `keras.layers`, "
        "sin subclases y sin reemplazar sus métodos."
    ),
    "not_standard_history": (
        "{what} no es el historial que devuelve `model.fit` ({found}). Guarda el resultado "
        "de `fit` tal cual: `history = model.fit(...)`."
    ),
    "call_notes": "ℹ️ Nota: `{call}` emitió avisos (no restan puntos): {notes}",
    "call_timeout": (
        "Tu código tardó demasiado en responder a esta comprobación y se interrumpió. "
        "Revisa si tiene un bucle que no termina o un cálculo demasiado largo."
    ),
    "channel_broken": (
        "No se pudo consultar tu cuaderno para esta comprobación (`{ename}: {evalue}`). "
        "¿Has modificado IPython o el paquete `autograder` desde tu código? Deja el entorno "
        "como está y vuelve a ejecutar el cuaderno."
    ),
    "kernel_died": (
        "Tu cuaderno se detuvo (el núcleo de Python terminó) antes de esta comprobación, "
        "así que no se pudo calificar. ¿Llamas a `exit()`, `os._exit()` o agotas la memoria? "
        "Las comprobaciones anteriores conservan sus puntos."
    ),
    "kernel_unresponsive": (
        "Tu cuaderno dejó de responder (no atendió la interrupción tras agotar el tiempo) "
        "antes de esta comprobación, así que no se pudo calificar. ¿Hay un bucle infinito que "
        "captura `KeyboardInterrupt`? Las comprobaciones anteriores conservan sus puntos."
    ),
    "cell_timeout": (
        "Esta celda tardó más que el tiempo máximo por celda y se interrumpió. Reduce el "
        "trabajo (menos épocas, datos más pequeños) o revisa si tiene un bucle que no termina."
    ),
    # --- fix-15 (issue 15, student walk-through): checks against the student's own work ---
    "classes_not_whole": (
        "`{name}` contiene valores como {found}: cada clase predicha es un número entero de 0 a "
        "{last}, no una probabilidad. Con una neurona sigmoid, di 1 si la probabilidad es mayor "
        "que 0,5; con softmax, toma la columna más probable con `argmax(axis=1)`."
    ),
    "classes_single": (
        "`{name}` solo contiene la clase {found}, pero `{model}` predice más de una clase en los "
        "datos de prueba. ¿Usaste `argmax` con una sola neurona sigmoid? Con una sola columna, "
        "`argmax` siempre da 0: compara la probabilidad con 0,5."
    ),
    "confusion_mismatch_own": (
        "`{name}` es {found}, pero la matriz de confusión de `y_test` frente a `{predicted}` es "
        "{expected}. Calcúlala con `confusion_matrix(y_test, {predicted})`: primero las clases "
        "reales, después las predichas."
    ),
    "recall_mismatch_own": (
        "`{name}` vale {found}, que no sale de los números de `{matrix}`. {hint}"
    ),
    "labels_softmax_output": "la salida tiene {units} neuronas, una probabilidad por clase",
    # --- end fix-15 ---
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
