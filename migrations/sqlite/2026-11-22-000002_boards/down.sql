DROP TABLE instances;
DROP TABLE thread_boards;
DROP TABLE threads;
DROP TABLE board_bans;
DROP TABLE board_moderators;
DROP TABLE boards;
