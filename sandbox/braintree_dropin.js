// SANDBOX stand-in for Braintree's Drop-in, served by the sandbox's fake Braintree at
// /dropin.js. It offers what the checkout page uses: braintree.dropin.create({container})
// and requestPaymentMethod(), which hands back one of Braintree's fixed test nonces.
(function () {
  "use strict";
  var NONCES = [
    ["fake-valid-nonce", "Visa 4111 1111 1111 1111 (approved)"],
    ["fake-paypal-billing-agreement-nonce", "PayPal account (approved)"],
    ["fake-processor-declined-visa-nonce", "Visa (declined by the processor)"]
  ];

  function create(options) {
    var container = options.container;
    if (typeof container === "string") container = document.querySelector(container);
    var box = document.createElement("div");
    box.className = "sandbox-dropin";
    box.setAttribute("data-sandbox", "braintree");
    var note = document.createElement("p");
    note.textContent = "SANDBOX: nothing is charged. Choose a Braintree test payment method.";
    box.appendChild(note);
    NONCES.forEach(function (nonce, index) {
      var label = document.createElement("label");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "sandbox-nonce";
      radio.value = nonce[0];
      radio.checked = index === 0;
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + nonce[1]));
      box.appendChild(label);
    });
    container.appendChild(box);
    return Promise.resolve({
      requestPaymentMethod: function () {
        var chosen = box.querySelector("input[name=sandbox-nonce]:checked");
        return Promise.resolve({ nonce: chosen.value, type: "sandbox" });
      }
    });
  }

  window.braintree = window.braintree || {};
  window.braintree.dropin = { create: create };
})();
