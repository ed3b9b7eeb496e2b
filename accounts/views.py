"""Log in, log out and "my page": who am I, my roles, my API tokens."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import call_service

from . import services
from .forms import ApiTokenForm
from .models import ApiToken


class LoginView(auth_views.LoginView):
    """Django's login view: a new session key at login; ``next`` only to this host."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): the session is flushed."""


def _profile_context(request, token_form=None, new_key=None):
    grants = request.user.role_grants.select_related("organisation", "body").order_by(
        "role", "valid_from")
    tokens = request.user.api_tokens.order_by("-created_at")
    return {"grants": grants, "tokens": tokens, "token_form": token_form or ApiTokenForm(),
            "new_key": new_key}


@login_required
def profile(request):
    return render(request, "accounts/profile.html", _profile_context(request))


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    issued = {}

    def create(**kwargs):
        issued["token"], issued["key"] = services.api_token_create(**kwargs)

    if form.is_valid() and call_service(form, create, actor=request.user, user=request.user,
                                        name=form.cleaned_data["name"]):
        # Rendered, not redirected: the key is shown on this one response and never again.
        response = render(request, "accounts/profile.html",
                          _profile_context(request, new_key=issued["key"]))
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "accounts/profile.html", _profile_context(request, token_form=form),
                  status=422)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")
