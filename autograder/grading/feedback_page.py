"""The students' feedback page in Spanish: nbgrader's GenerateFeedback with our template.

nbgrader renders feedback with nbconvert's ``HTMLExporter`` and its own English
template (``feedback``). ``nbgrader_config.py`` sets
``c.GenerateFeedback.exporter_class = SpanishFeedbackExporter``: same page, same
structure, every label in Spanish (``templates/retroalimentacion``), plus the
note the autograding-on-submit service leaves in the notebook metadata
(``autocalificacion.nota``) when a submission waited in the queue.

A subclass keeps the formgrader untouched: it configures ``HTMLExporter`` for its
own pages, and traitlets gives a subclass's own section precedence over its
parent's, so the template set here wins only for feedback.
"""

import copy
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "retroalimentacion"


class SpanishFeedbackExporter(HTMLExporter):
    """HTMLExporter whose template is the Spanish feedback page."""

    def __init__(self, config=None, **kwargs):
        # GenerateFeedback writes HTMLExporter.template_name = "feedback" (nbgrader's) into
        # the config when unset; this class's own section wins over its parent's. The
        # template paths are resolved during __init__, so the config must say it up front.
        config = copy.deepcopy(config) if config is not None else Config()
        basedirs = list(config.HTMLExporter.get("extra_template_basedirs", []))
        config.SpanishFeedbackExporter.template_name = TEMPLATE_NAME
        config.SpanishFeedbackExporter.extra_template_basedirs = [*basedirs, str(TEMPLATES)]
        super().__init__(config=config, **kwargs)
