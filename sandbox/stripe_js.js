// SANDBOX stand-in for Stripe.js (https://js.stripe.com/v3/), served by the sandbox's fake
// Stripe at /v3/. It offers the part of Stripe.js the checkout page uses: Stripe(key),
// elements({clientSecret}).create("payment").mount(el), and confirmPayment(). The card
// number goes from the browser straight to the sandbox (as with Stripe.js, never to the
// shop); the sandbox answers as Stripe's documented test cards do.
(function () {
  "use strict";
  var script = document.currentScript;
  var API = script ? new URL(script.src).origin : "";
  var CARDS = [
    ["4242 4242 4242 4242", "succeeds"],
    ["4000 0000 0000 0002", "is declined"],
    ["4000 0000 0000 9995", "is declined (insufficient funds)"],
    ["4000 0000 0000 0259", "succeeds, then is disputed"]
  ];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function PaymentElement(elements) { this.elements = elements; }
  PaymentElement.prototype.mount = function (container) {
    if (typeof container === "string") container = document.querySelector(container);
    var box = el("div", { "class": "sandbox-card", "data-sandbox": "stripe" });
    box.appendChild(el("p", { "class": "sandbox-label" },
      "SANDBOX: no real card is charged. Use one of Stripe's test card numbers."));
    var label = el("label", { "for": "sandbox-card-number" }, "Card number");
    var input = el("input", { id: "sandbox-card-number", name: "sandbox-card-number", inputmode: "numeric",
                              autocomplete: "off", placeholder: "4242 4242 4242 4242" });
    var list = el("ul", { "class": "muted" });
    CARDS.forEach(function (card) { list.appendChild(el("li", {}, card[0] + " " + card[1])); });
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(list);
    container.appendChild(box);
    this.elements.input = input;
  };

  function Elements(options) { this.clientSecret = options.clientSecret; this.input = null; }
  Elements.prototype.create = function () { return new PaymentElement(this); };

  function Stripe(key) {
    if (!(this instanceof Stripe)) return new Stripe(key);
    this.key = key;
  }
  Stripe.prototype.elements = function (options) { return new Elements(options || {}); };
  Stripe.prototype.confirmPayment = function (options) {
    var elements = options.elements;
    var secret = elements.clientSecret;
    var intent = secret.split("_secret_")[0];
    var body = new URLSearchParams();
    body.set("key", this.key);
    body.set("client_secret", secret);
    body.set("payment_method_data[type]", "card");
    body.set("payment_method_data[card][number]", elements.input ? elements.input.value : "");
    // A form-encoded POST is a "simple" cross-origin request: no preflight, as with Stripe.js.
    return fetch(API + "/v1/payment_intents/" + encodeURIComponent(intent) + "/confirm", {
      method: "POST", body: body
    }).then(function (response) {
      return response.json().then(function (reply) {
        if (reply.error) return { error: reply.error };
        var target = new URL(options.confirmParams.return_url);
        target.searchParams.set("payment_intent", reply.id);
        target.searchParams.set("redirect_status", reply.status);
        window.location.assign(target.toString());
        return {};
      });
    }, function () {
      return { error: { message: "The sandbox cannot be reached: is `make run` running?" } };
    });
  };

  window.Stripe = Stripe;
})();
