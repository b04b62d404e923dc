DROP TABLE status_pins;
