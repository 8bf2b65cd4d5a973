// The signature pad on the driver's page: strokes drawn on the canvas become an SVG path
// ("M x y L x y ...") in the form's hidden `signature` field, and choose "signature" as the proof.
(function () {
  "use strict";
  function setUp(form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var field = form.querySelector('input[name="signature"]');
    var clear = form.querySelector(".signature-clear");
    if (!canvas || !field) { return; }
    var ctx = canvas.getContext("2d");
    var path = [];
    var drawing = false;
    ctx.lineWidth = 2;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#0b0c0c";
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [Math.round((event.clientX - box.left) * canvas.width / box.width),
              Math.round((event.clientY - box.top) * canvas.height / box.height)];
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var p = point(event);
      path.push("M " + p[0] + " " + p[1]);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      path.push("L " + p[0] + " " + p[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
    });
    function stop() {
      if (!drawing) { return; }
      drawing = false;
      field.value = path.join(" ");
      var radio = form.querySelector('input[name="proof_kind"][value="signature"]');
      if (radio) { radio.checked = true; }
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    if (clear) {
      clear.addEventListener("click", function () {
        path = [];
        field.value = "";
        ctx.clearRect(0, 0, canvas.width, canvas.height);
      });
    }
  }
  document.querySelectorAll("form.signature-form").forEach(setUp);
})();
