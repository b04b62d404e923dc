// The tables, written by hand to match both migration trees.

diesel::table! {
    actors (id) {
        id -> BigInt,
        ap_id -> Text,
        kind -> Text,
        username -> Text,
        domain -> Text,
        local -> Bool,
        display_name -> Text,
        summary -> Text,
        url -> Nullable<Text>,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        outbox_url -> Nullable<Text>,
        followers_url -> Nullable<Text>,
        following_url -> Nullable<Text>,
        public_key_pem -> Text,
        private_key_pem -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        header_url -> Nullable<Text>,
        manually_approves_followers -> Bool,
        fields_json -> Text,
        published_at -> Timestamp,
        refreshed_at -> Timestamp,
        deleted -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        actor_id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        disabled -> Bool,
        default_visibility -> Text,
        default_sensitive -> Bool,
        default_language -> Text,
        interface_language -> Text,
        confirmed_at -> Nullable<Timestamp>,
        approved -> Bool,
        sign_up_reason -> Text,
        invite_id -> Nullable<BigInt>,
        suspended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    profile_fields (user_id, field) {
        user_id -> BigInt,
        field -> Text,
        value -> Text,
        visibility -> Text,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        ap_id -> Text,
        author_id -> BigInt,
        kind -> Text,
        in_reply_to_id -> Nullable<BigInt>,
        in_reply_to_ap_id -> Nullable<Text>,
        reblog_of_id -> Nullable<BigInt>,
        context -> Nullable<Text>,
        name -> Nullable<Text>,
        content -> Text,
        source -> Nullable<Text>,
        summary -> Text,
        sensitive -> Bool,
        visibility -> Text,
        url -> Nullable<Text>,
        local -> Bool,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        held -> Bool,
    }
}

diesel::table! {
    post_mentions (post_id, actor_id) {
        post_id -> BigInt,
        actor_id -> BigInt,
    }
}

diesel::table! {
    post_tags (post_id, tag) {
        post_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    follows (id) {
        id -> BigInt,
        follower_id -> BigInt,
        followee_id -> BigInt,
        ap_id -> Nullable<Text>,
        accepted -> Bool,
        created_at -> Timestamp,
        notify -> Bool,
        show_reblogs -> Bool,
    }
}

diesel::table! {
    favourites (id) {
        id -> BigInt,
        actor_id -> BigInt,
        post_id -> BigInt,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        kind -> Text,
        from_actor_id -> BigInt,
        post_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> BigInt,
        client_id -> Text,
        client_secret -> Text,
        name -> Text,
        redirect_uris -> Text,
        scopes -> Text,
        website -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        app_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        scopes -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_codes (id) {
        id -> BigInt,
        code_hash -> Text,
        app_id -> BigInt,
        user_id -> BigInt,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        expires_at -> Timestamp,
        used -> Bool,
    }
}

diesel::table! {
    outgoing_activities (id) {
        id -> BigInt,
        ap_id -> Text,
        actor_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_id -> BigInt,
        inbox_url -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lock_token -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        last_status -> Nullable<Integer>,
    }
}

diesel::table! {
    received_activities (ap_id) {
        ap_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::joinable!(users -> actors (actor_id));
diesel::joinable!(posts -> actors (author_id));
diesel::joinable!(post_mentions -> posts (post_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(favourites -> posts (post_id));
diesel::joinable!(deliveries -> outgoing_activities (activity_id));
diesel::joinable!(profile_fields -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    actors,
    users,
    profile_fields,
    alumni_verifications,
    remote_profile_fields,
    posts,
    post_mentions,
    post_tags,
    follows,
    favourites,
    notifications,
    oauth_apps,
    oauth_tokens,
    oauth_codes,
    outgoing_activities,
    deliveries,
    received_activities,
    instance_settings,
    boards,
    board_moderators,
    board_bans,
    threads,
    thread_boards,
    instances,
    post_edits,
    reports,
    bookmarks,
    markers,
    blocks,
    mutes,
    status_pins,
    media,
    polls,
    poll_votes,
);

diesel::joinable!(media -> posts (post_id));
diesel::joinable!(poll_votes -> posts (post_id));

diesel::table! {
    instance_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    boards (actor_id) {
        actor_id -> BigInt,
        posting_mode -> Text,
        rules -> Text,
        archived -> Bool,
        created_at -> Timestamp,
        hold_remote_first_posts -> Bool,
    }
}

diesel::table! {
    board_moderators (board_id, actor_id) {
        board_id -> BigInt,
        actor_id -> BigInt,
    }
}

diesel::table! {
    board_bans (board_id, actor_id) {
        board_id -> BigInt,
        actor_id -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    threads (post_id) {
        post_id -> BigInt,
        question -> Bool,
        accepted_answer_id -> Nullable<BigInt>,
        locked -> Bool,
        last_activity_at -> Timestamp,
    }
}

diesel::table! {
    thread_boards (post_id, board_id) {
        post_id -> BigInt,
        board_id -> BigInt,
        pinned -> Bool,
    }
}

diesel::table! {
    instances (domain) {
        domain -> Text,
        software -> Text,
        checked_at -> Timestamp,
    }
}

diesel::joinable!(boards -> actors (actor_id));
diesel::joinable!(thread_boards -> posts (post_id));
diesel::joinable!(threads -> posts (post_id));

diesel::table! {
    post_edits (id) {
        id -> BigInt,
        post_id -> BigInt,
        name -> Nullable<Text>,
        content -> Text,
        summary -> Text,
        sensitive -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        ap_id -> Nullable<Text>,
        reporter_id -> BigInt,
        target_id -> BigInt,
        post_ids -> Text,
        comment -> Text,
        board_id -> Nullable<BigInt>,
        forwarded -> Bool,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        actor_id -> BigInt,
        post_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    markers (actor_id, timeline) {
        actor_id -> BigInt,
        timeline -> Text,
        last_read_id -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(bookmarks -> posts (post_id));

diesel::table! {
    blocks (id) {
        id -> BigInt,
        actor_id -> BigInt,
        target_id -> BigInt,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mutes (id) {
        id -> BigInt,
        actor_id -> BigInt,
        target_id -> BigInt,
        notifications -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_pins (actor_id, post_id) {
        actor_id -> BigInt,
        post_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        owner_id -> BigInt,
        post_id -> Nullable<BigInt>,
        position -> Integer,
        kind -> Text,
        content_type -> Text,
        file_name -> Nullable<Text>,
        remote_url -> Nullable<Text>,
        description -> Text,
        focus_x -> Double,
        focus_y -> Double,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        size_bytes -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    polls (post_id) {
        post_id -> BigInt,
        multiple -> Bool,
        hide_totals -> Bool,
        expires_at -> Nullable<Timestamp>,
        options_json -> Text,
        counts_json -> Text,
        voters_count -> BigInt,
        ended_notified -> Bool,
        counts_changed -> Bool,
    }
}

diesel::table! {
    poll_votes (id) {
        id -> BigInt,
        post_id -> BigInt,
        actor_id -> BigInt,
        choice -> Integer,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    post_removals (post_id, board_id) {
        post_id -> BigInt,
        board_id -> BigInt,
        reason -> Text,
        removed_at -> Timestamp,
    }
}

diesel::table! {
    domain_blocks (id) {
        id -> BigInt,
        domain -> Text,
        severity -> Text,
        public_comment -> Text,
        private_comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    domain_allows (id) {
        id -> BigInt,
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(post_removals -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(posts, post_removals);

diesel::table! {
    invites (id) {
        id -> BigInt,
        code -> Text,
        created_by -> Nullable<BigInt>,
        max_uses -> Nullable<Integer>,
        uses -> Integer,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_domains (domain) {
        domain -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    roster_entries (email) {
        email -> Text,
        name -> Text,
        graduation_year -> Nullable<Integer>,
        department -> Text,
        imported_at -> Timestamp,
        updated_at -> Timestamp,
        invited_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    alumni_verifications (actor_id) {
        actor_id -> BigInt,
        graduation_year -> Nullable<Integer>,
        department -> Text,
        institution -> Text,
        verified_at -> Timestamp,
        verified_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    remote_profile_fields (actor_id, field) {
        actor_id -> BigInt,
        field -> Text,
        value -> Text,
    }
}

diesel::joinable!(alumni_verifications -> actors (actor_id));
diesel::joinable!(remote_profile_fields -> actors (actor_id));

diesel::table! {
    surveys (id) {
        id -> BigInt,
        created_by -> Nullable<BigInt>,
        title -> Text,
        description -> Text,
        questions_json -> Text,
        anonymous -> Bool,
        results_public -> Bool,
        closes_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        poll_post_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> BigInt,
        survey_id -> BigInt,
        user_id -> Nullable<BigInt>,
        answers_json -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    survey_respondents (survey_id, user_id) {
        survey_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(surveys, survey_responses);

diesel::table! {
    career_offers (post_id) {
        post_id -> BigInt,
        kind -> Text,
        company -> Text,
        place -> Text,
        deadline -> Nullable<Date>,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(career_offers -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(career_offers, posts);

diesel::table! {
    campaigns (post_id) {
        post_id -> BigInt,
        goal -> BigInt,
        raised -> BigInt,
        currency -> Text,
        deadline -> Nullable<Date>,
        payment_url -> Text,
    }
}

diesel::joinable!(campaigns -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(campaigns, posts);

diesel::table! {
    events (post_id) {
        post_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        timezone -> Text,
        utc_offset -> Integer,
        location -> Text,
        online_url -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        cancelled_at -> Nullable<Timestamp>,
        remote_participants -> Integer,
    }
}

diesel::table! {
    event_participants (id) {
        id -> BigInt,
        event_id -> BigInt,
        actor_id -> BigInt,
        state -> Text,
        join_ap_id -> Nullable<Text>,
        created_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    calendar_feeds (user_id) {
        user_id -> BigInt,
        token -> Text,
    }
}

diesel::joinable!(events -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(events, posts, event_participants);
diesel::allow_tables_to_appear_in_same_query!(event_participants, actors);

diesel::table! {
    mentor_profiles (actor_id) {
        actor_id -> BigInt,
        available -> Bool,
        topics -> Text,
        capacity -> Integer,
        note -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mentoring_requests (id) {
        id -> BigInt,
        ap_id -> Text,
        mentor_id -> BigInt,
        mentee_id -> BigInt,
        message -> Text,
        state -> Text,
        reason -> Text,
        conversation_post_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(mentor_profiles -> actors (actor_id));
diesel::allow_tables_to_appear_in_same_query!(mentor_profiles, actors);

diesel::table! {
    rooms (id) {
        id -> BigInt,
        owner_id -> BigInt,
        title -> Text,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    room_members (room_id, actor_id) {
        room_id -> BigInt,
        actor_id -> BigInt,
        state -> Text,
        invited_by -> Nullable<BigInt>,
        invitation_post_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    room_messages (post_id) {
        post_id -> BigInt,
        room_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(rooms, room_members, room_messages);
