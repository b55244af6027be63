DROP TABLE review_returns;
DROP TABLE review_notes;
