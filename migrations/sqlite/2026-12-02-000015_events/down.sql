DROP TABLE calendar_feeds;
DROP TABLE event_participants;
DROP TABLE events;
