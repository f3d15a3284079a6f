"""The account page where a signed-in user makes and revokes their own API tokens."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .models import ApiToken


def _day_choices() -> list[tuple[int, str]]:
    most = settings.APTRACK_API["TOKEN_MAX_DAYS"]
    return [(d, f"{d} days") for d in (30, 90, 365) if d <= most] or [(most, f"{most} days")]


class TokenForm(forms.Form):
    name = forms.CharField(label="What is the token for?", max_length=100,
                           help_text="For example, the name of your school's information system.",
                           error_messages={"required": "Enter what the token is for"})
    days = forms.TypedChoiceField(label="How long should it work?", coerce=int,
                                  widget=forms.RadioSelect,
                                  error_messages={"required": "Choose how long it should work"})
    read_only = forms.BooleanField(label="Read only: the token may look at records but not "
                                         "change them", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"].choices = _day_choices()  # type: ignore[attr-defined]


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Your tokens, and a form to make one. A new token is shown once, on the answer page."""
    form = TokenForm(request.POST or None, initial={"days": 90})
    if request.method == "POST" and form.is_valid():
        try:
            record, token = services.token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"], days=form.cleaned_data["days"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            response = render(request, "api/token_created.html",
                              {"record": record, "token": token})
            response["Cache-Control"] = "no-store"
            return response
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop one of your tokens working at once."""
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404("No such token")
    services.token_revoke(actor=request.user, token=token)
    return redirect("api-account:tokens")
