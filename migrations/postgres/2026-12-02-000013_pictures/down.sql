ALTER TABLE media
    DROP COLUMN variants,
    DROP COLUMN focal_y,
    DROP COLUMN focal_x,
    DROP COLUMN own_work,
    DROP COLUMN credit,
    DROP COLUMN caption;
