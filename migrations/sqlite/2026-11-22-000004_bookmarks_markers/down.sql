DROP TABLE markers;
DROP TABLE bookmarks;
