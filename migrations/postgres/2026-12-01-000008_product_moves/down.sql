DELETE FROM partnership_events WHERE kind IN ('product_taken_over', 'product_moved_away');
ALTER TABLE partnership_events DROP CONSTRAINT partnership_events_kind_check;
ALTER TABLE partnership_events ADD CONSTRAINT partnership_events_kind_check
    CHECK (kind IN ('invited', 'accepted', 'refused', 'withdrawn', 'resent', 'expired',
                    'access_changed', 'payment_mode_changed', 'ended'));
