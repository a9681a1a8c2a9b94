"""The questionnaire's answer form: one radio group per item of the instrument.

Which answers are valid, and the score, stay in the pure `portal.scoring`; this form runs
that check and turns its codes into the messages the citizen reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from wtforms import RadioField

from portal import scoring
from portal.clients.questionnaires import Instrument, Item
from portal.forms import PortalForm, choices, form_key_field


class AnswerForm(PortalForm):
    """A questionnaire's answers: one radio group per item (named `scoring.field_name`),
    made for its instrument by `answer_form()`. `validate()` runs the pure check in
    `portal.scoring` and turns its codes into the messages the citizen reads."""

    form_key = form_key_field()
    instrument: Instrument
    checked: scoring.Validation

    def items(self) -> list[tuple[Item, Any]]:
        """(item, its radio field) in the order asked."""
        return [(item, self[scoring.field_name(item)]) for item in self.instrument.ordered_items]

    def typed(self) -> dict[str, str]:
        return {field.name: field.data or "" for _item, field in self.items()}

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        self.checked = scoring.validate(self.instrument, self.typed())
        numbers = {item.id: n for n, item in enumerate(self.instrument.ordered_items, start=1)}
        for item, field in self.items():
            code = self.checked.errors.get(item.id)
            if code == "missing":
                message = _("Choose an answer to question %(number)d.", number=numbers[item.id])
            elif code is not None:
                message = _(
                    "Choose one of the answers shown for question %(number)d.",
                    number=numbers[item.id],
                )
            else:
                continue
            self.add_error(field.name, message)
        return self.checked.ok


def answer_form(
    instrument: Instrument, answers: Mapping[str, Any] | None = None, form_key: str | None = None
) -> AnswerForm:
    """The form for this instrument: from the POST, or (GET) with a draft's `answers` (by
    item id) and `form_key` filled in."""
    fields = {
        scoring.field_name(item): RadioField(
            str(item.text),
            choices=choices((str(o.value), o.label) for o in instrument.scale_of(item).options),
            validate_choice=False,  # the scoring check says what is wrong, in words
        )
        for item in instrument.items
    }
    form_class = type("InstrumentAnswerForm", (AnswerForm,), fields)
    defaults = {
        scoring.field_name(item): str(value)
        for item in instrument.items
        if (value := (answers or {}).get(item.id)) is not None
    }
    if form_key:
        defaults["form_key"] = form_key
    form = form_class(data=defaults)
    form.instrument = instrument
    return form
