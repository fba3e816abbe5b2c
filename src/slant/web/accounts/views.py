"""Registration and API tokens; log in/out and passwords are Django's own views."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from slant.web.accounts.models import ApiToken


class RegisterForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Needed only to reset a forgotten password.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("collection_list")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}.")
        return redirect("collection_list")
    return render(request, "accounts/register.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        if request.POST.get("revoke"):
            ApiToken.objects.filter(user=request.user, prefix=request.POST["revoke"]).delete()
            messages.success(request, "Token revoked.")
            return redirect("tokens")
        new_token = ApiToken.issue(request.user)
    rows = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"tokens": rows, "new_token": new_token})
