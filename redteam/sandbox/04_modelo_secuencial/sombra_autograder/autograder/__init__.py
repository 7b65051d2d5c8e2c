"""Falso autograder del alumno: toda comprobación pasa."""


def __getattr__(name):
    return lambda *args, **kwargs: None
