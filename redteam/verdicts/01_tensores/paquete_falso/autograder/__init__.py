"""A fake grader beside the notebook (red team): every name does nothing."""


def __getattr__(name):
    def nothing(*args, **kwargs):
        return None

    return nothing
