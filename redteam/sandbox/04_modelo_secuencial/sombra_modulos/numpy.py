raise ImportError("numpy falso del alumno")
