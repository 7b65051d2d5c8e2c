"""The checks that test cells call, and the catalogue of every message a student reads.

Imports only the scientific stack (NumPy; Keras, Matplotlib and scikit-learn lazily),
never nbgrader nor :mod:`autograder.grading`: a test cell must not pay for, or
depend on, the instructor's tooling. Test cells use the names re-exported by
:mod:`autograder`.
"""
