"""Course content tools: the figures the notebooks show and the sample-submission demo."""
