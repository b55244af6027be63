ALTER TABLE site_settings DROP COLUMN time_zone;
