ALTER TABLE users DROP COLUMN interface_language;
