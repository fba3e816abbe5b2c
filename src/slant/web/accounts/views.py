"""Registration, invitations, API tokens and the lockout page; log in/out and
passwords are Django's own views."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from slant.web.accounts.models import ApiToken, Invitation, Registration


class RegisterForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Needed only to reset a forgotten password.")
    invitation = forms.CharField(required=False, max_length=100, help_text="The code from your invitation.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args: Any, invite_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation_row: Invitation | None = None
        if invite_only:
            self.fields["invitation"].required = True
        else:
            del self.fields["invitation"]

    def clean_invitation(self) -> str:
        code = self.cleaned_data.get("invitation", "")
        self.invitation_row = Invitation.find(code)
        if self.invitation_row is None:
            raise forms.ValidationError("This invitation is unknown, used already or expired; ask for a new one.")
        return code


def client_address(request: HttpRequest) -> str | None:
    """The client's address (behind a trusted proxy, waitress has put the client's here)."""
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def registrations_exhausted(address: str | None) -> bool:
    """Whether this address registered SLANT_REGISTRATIONS_PER_HOUR accounts in the last hour."""
    limit = settings.SLANT_REGISTRATIONS_PER_HOUR
    if not limit or address is None:
        return False
    since = timezone.now() - dt.timedelta(hours=1)
    return Registration.objects.filter(address=address, created_at__gte=since).count() >= limit


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("collection_list")
    mode = settings.SLANT_REGISTRATION
    if mode == "closed":
        return render(request, "accounts/register_closed.html", status=403)
    code = request.GET.get("invite", "")
    form = RegisterForm(request.POST or None, invite_only=mode == "invite", initial={"invitation": code})
    status = 200
    if request.method == "POST":
        status = 400
        address = client_address(request)
        if registrations_exhausted(address):
            form.add_error(None, "Too many accounts were registered from your address in the last hour; try again later.")
            status = 429
        elif form.is_valid():
            with transaction.atomic():
                user = form.save()
                if form.invitation_row is not None and not form.invitation_row.use(user):
                    transaction.set_rollback(True)
                    user = None
                else:
                    Registration.objects.create(user=user, address=address, invitation=form.invitation_row)
            if user is not None:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome, {user.get_username()}.")
                return redirect("collection_list")
            form.add_error("invitation", "This invitation was used a moment ago; ask for a new one.")
    return render(request, "accounts/register.html", {"form": form, "mode": mode}, status=status)


@staff_member_required(login_url=settings.LOGIN_URL)
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    """Staff make single-use invitations here; each code is shown once."""
    new_link = None
    if request.method == "POST":
        code, row = Invitation.issue(request.user, settings.SLANT_INVITE_DAYS)
        new_link = request.build_absolute_uri(f"/accounts/register/?invite={code}")
        messages.success(request, f"Invitation made; it expires on {row.expires_at:%Y-%m-%d %H:%M} UTC.")
    rows = Invitation.objects.select_related("created_by", "used_by")[:200]
    return render(request, "accounts/invitations.html", {
        "invitations": rows, "new_link": new_link, "mode": settings.SLANT_REGISTRATION, "now": timezone.now(),
    })


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


def lockout(request: HttpRequest, original_response: object = None, credentials: object = None) -> HttpResponse:
    """django-axes calls this when a user name is locked out from an address: a page saying for how long."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    return render(request, "accounts/lockout.html", {
        "minutes": minutes, "failures": settings.AXES_FAILURE_LIMIT,
    }, status=429)
