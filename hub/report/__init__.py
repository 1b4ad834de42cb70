"""Reports people would rather look at than read: figures, inline SVG, one HTML file."""
