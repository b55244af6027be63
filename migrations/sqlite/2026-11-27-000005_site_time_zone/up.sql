-- The site's time zone (an IANA name such as Europe/London): the staff
-- area shows and takes publish times in it; the database keeps UTC.
ALTER TABLE site_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
