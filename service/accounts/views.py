"""Session login and logout for the staff side."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired

from service.accounts import services
from service.accounts.models import User
from service.errors import TransdeskError
from service.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


class LocaleForm(FlaskForm):
    locale = StringField("Language")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login would hand sessions to phishing pages.
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("articles.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong e-mail address or password.")
    elif request.method == "POST":
        error = _("Enter your e-mail address and password.")
    return render_template("accounts/login.html", form=form, error=error), (401 if error else 200)


@bp.route("/account/locale", methods=["POST"])
@login_required
def set_locale() -> ResponseReturnValue:
    """Each person picks the UI language; until then it follows the browser's Accept-Language."""
    form = LocaleForm()
    if form.validate_on_submit():
        try:
            services.set_ui_locale(current_user, form.locale.data or "")
        except TransdeskError as exc:
            flash(exc.message, "error")
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("accounts.login"))
