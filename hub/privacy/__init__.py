"""Personal data: masking of NIK, names and phones, the logging that applies it, retention."""
