"""The instructor's grading tooling: command line, the grading cycle, the runner,
nbgrader's steps, the gradebook, resume markers, reports, feedback, pre-flight and
release. May import :mod:`autograder.checks` (for outcome labels), never the reverse."""
