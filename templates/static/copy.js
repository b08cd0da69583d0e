// A "Copy" button after each read-only field marked data-copy (links shown once). Without JavaScript the field
// stays what it is: its text can be selected and copied by hand.
document.querySelectorAll("input[data-copy]").forEach((field) => {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Copy";
  button.setAttribute("aria-label", `Copy the ${field.dataset.copy}`);
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = " Copied.";
    } catch {
      status.textContent = " Selected: press Ctrl+C (or Cmd+C) to copy.";
    }
  });
  field.after(button, status);
});
