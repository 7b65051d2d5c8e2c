import builtins
builtins.ALUMNO = "sitecustomize"
