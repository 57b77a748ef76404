"""The development sandbox: local fakes of Stripe, Braintree and Plaid that the real SDKs
talk HTTP to. The tests start them on free ports (tests/payments/conftest.py,
tests/banking/conftest.py); `python -m sandbox` starts all three on fixed loopback ports
for `make run`, and sends their signed webhooks to the local web server. Never used in
production: settings refuse the sandbox's addresses and keys there."""
