// Training callbacks, with Keras's names and hooks.
// core (lead)
// -- section: issue 4 callbacks (helper) --
// -- end section --
// -- section: issue 5 callbacks (helper) --
// -- end section --
