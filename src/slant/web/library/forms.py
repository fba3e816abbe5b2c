from __future__ import annotations

from django import forms

from slant.web.library.models import Role


class CollectionForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[*Role.choices, ("remove", "Remove from collection")])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; cleans to a list (empty when none was given)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        items = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in (super(MultipleFileField, self).clean(d, initial) for d in items) if f]


class AddArticleForm(forms.Form):
    file = MultipleFileField(
        required=False, label="Files",
        help_text="One or several: HTML, text, JSON Lines, RSS/Atom feeds, WARC archives (optionally gzipped); "
                  "a JSON Lines file, feed or archive adds one article per item",
    )
    # strip=False: pasted text is taken verbatim, so offsets into it stay valid.
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}), help_text="First line is the title")
    url = forms.URLField(required=False, assume_scheme="https")

    def clean(self) -> dict:
        data = super().clean()
        given = [k for k in ("file", "text", "url") if data.get(k)]
        if len(given) != 1:
            raise forms.ValidationError("Give exactly one of: a file, pasted text, or a URL.")
        return data
