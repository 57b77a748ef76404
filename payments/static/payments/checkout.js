// Checkout: mounts Stripe's Payment Element or Braintree's Drop-in from the data
// attributes of the page's form. No inline script (CSP: script-src 'self' and the
// providers). Card data goes to the provider; the server gets a nonce or nothing.
(function () {
  "use strict";

  var UNAVAILABLE = "The secure payment form could not load: the payment provider cannot be reached. " +
    "Nothing has been charged. Please check your connection and reload the page, or try again later.";

  // The provider's script was blocked or is offline: say so, and make sure the form
  // cannot be submitted (there is no card field to post, and nothing should be posted).
  function unavailable(form, container) {
    container.textContent = "";
    var message = document.createElement("p");
    message.className = "errorlist provider-unavailable";
    message.setAttribute("role", "alert");
    message.textContent = UNAVAILABLE;
    container.appendChild(message);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  function stripeCheckout(form) {
    if (typeof window.Stripe !== "function") {
      unavailable(form, document.getElementById("payment-element"));
      return;
    }
    var stripe = window.Stripe(form.dataset.publishableKey);
    var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
    var container = document.getElementById("payment-element");
    container.textContent = "";
    elements.create("payment").mount(container);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
        .then(function (result) {
          if (result.error) document.getElementById("payment-message").textContent = result.error.message;
        });
    });
  }

  function braintreeCheckout(form) {
    var container = document.getElementById("dropin-container");
    if (!window.braintree || !window.braintree.dropin) {
      unavailable(form, container);
      return;
    }
    container.textContent = "";
    window.braintree.dropin.create({
      authorization: form.dataset.clientToken,
      container: container,
      paypal: { flow: "vault" }
    }).then(function (dropin) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        dropin.requestPaymentMethod().then(function (payload) {
          form.querySelector("input[name=payment_method_nonce]").value = payload.nonce;
          form.submit();
        });
      });
    }).catch(function () {
      unavailable(form, container);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stripeForm = document.getElementById("stripe-payment");
    if (stripeForm) stripeCheckout(stripeForm);
    var braintreeForm = document.getElementById("braintree-payment");
    if (braintreeForm) braintreeCheckout(braintreeForm);
  });
})();
