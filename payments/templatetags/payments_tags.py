from django import template

from fintech.money import format_money
from payments.selectors import payment_history_for_customer

register = template.Library()


@register.filter
def money(minor: int, currency: str) -> str:
    """`{{ payment.amount|money:payment.currency }}`: minor units formatted for people."""
    return format_money(minor, currency)


@register.inclusion_tag("payments/_history.html")
def payment_history(customer, limit: int = 20):
    return {"payments": payment_history_for_customer(customer=customer, limit=limit)}
