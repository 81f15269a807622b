-- A product changes hands between partners only in the open: the partnership that
-- loses it and the one that takes it over each record it in their timeline.
ALTER TABLE partnership_events DROP CONSTRAINT partnership_events_kind_check;
ALTER TABLE partnership_events ADD CONSTRAINT partnership_events_kind_check
    CHECK (kind IN ('invited', 'accepted', 'refused', 'withdrawn', 'resent', 'expired',
                    'access_changed', 'payment_mode_changed', 'ended',
                    'product_taken_over', 'product_moved_away'));
