from __future__ import annotations

from django_otp.oath import totp


def current_totp(device) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def admin_login(client, user, device, *, password: str, ip: str = "127.0.0.1"):
    """Log in through the real admin login form, with password and TOTP code."""
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.get_username(), "password": password, "otp_token": current_totp(device)},
        REMOTE_ADDR=ip,
    )
