DROP TABLE room_messages;
DROP TABLE room_members;
DROP TABLE rooms;
