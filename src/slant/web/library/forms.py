from __future__ import annotations

from django import forms

from slant.web.library.models import Role


class CollectionForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[*Role.choices, ("remove", "Remove from collection")])


class AddArticleForm(forms.Form):
    file = forms.FileField(required=False, help_text="HTML, text, JSON Lines, RSS/Atom, WARC (optionally gzipped)")
    # strip=False: pasted text is taken verbatim, so offsets into it stay valid.
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}), help_text="First line is the title")
    url = forms.URLField(required=False, assume_scheme="https")

    def clean(self) -> dict:
        data = super().clean()
        given = [k for k in ("file", "text", "url") if data.get(k)]
        if len(given) != 1:
            raise forms.ValidationError("Give exactly one of: a file, pasted text, or a URL.")
        return data
