-- Pictures: what the library knows of an image besides its file. Its
-- caption and credit (required unless the picture is the agency's own),
-- its focal point in percent across and down (the share image is cut
-- around it), and the widths of the variants made on upload (empty for an
-- image stored before they were made: pages then use the original alone).
ALTER TABLE media ADD COLUMN caption TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN credit TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN own_work BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE media ADD COLUMN focal_x INTEGER NOT NULL DEFAULT 50 CHECK (focal_x BETWEEN 0 AND 100);
ALTER TABLE media ADD COLUMN focal_y INTEGER NOT NULL DEFAULT 50 CHECK (focal_y BETWEEN 0 AND 100);
ALTER TABLE media ADD COLUMN variants TEXT NOT NULL DEFAULT '';
