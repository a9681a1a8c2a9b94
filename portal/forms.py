"""One form approach for the portal: a WTForms class per form (Flask-WTF's `FlaskForm`),
whose fields render themselves through the macros in `templates/components/forms.html`.

    form = MoveForm()            # a POST's form data, or the defaults on GET
    if form.validate(): ...      # field messages are translated when they are made
    render_page(..., form=form)  # {{ error_summary(form.messages) }}
                                 # {{ textarea_field(form.reason, hint) }}

CSRF is checked once, for every POST, by `CSRFProtect` (`portal.extensions.csrf`), so the
form classes do not check it again (`Meta.csrf = False`); a template puts `csrf_token()`
in each POST form. A multi-step flow carries what was typed to its summary in hidden
fields (`carry(form)`) and shows it with `check_answers(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice

from portal import outbox


class PortalForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect has checked the POST already

    @property
    def messages(self) -> dict[str, str]:
        """Each field with an error → its first message (what `error_summary` takes)."""
        return {name: str(errors[0]) for name, errors in self.errors.items() if errors}

    def add_error(self, name: str, message: str) -> None:
        """An error found after `validate()` (e.g. the plan API refused the write)."""
        field = self[name]
        field.errors = [*field.errors, message]
        self._errors = None  # WTForms caches `errors`; let it collect again


def _form_key(value: Any) -> str | None:
    return outbox.form_key(value if isinstance(value, str) else None)


def _form_key_or_new(value: Any) -> str:
    return _form_key(value) or outbox.new_form_key()


def form_key_field(*, new: bool = True) -> Any:
    """The hidden `form_key` of a form that writes, made on the server; the outbox binds it
    to person, actor and resource. A form that comes back without a valid one gets a new
    one (`new=True`, the steps before sending) or `None` (`new=False`, the sending step,
    which refuses it)."""
    if new:
        return HiddenField(default=outbox.new_form_key, filters=[_form_key_or_new])
    return HiddenField(filters=[_form_key])


def strip(limit: int) -> Callable[[Any], Any]:
    """A filter: surrounding whitespace off, and at most `limit` characters kept (enough
    to tell the citizen the text is too long without keeping a huge body)."""

    def apply(value: Any) -> Any:
        return value.strip()[:limit] if isinstance(value, str) else value

    return apply


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a radio, checkbox or select field."""
    return [SelectChoice(value, label) for value, label in pairs]
