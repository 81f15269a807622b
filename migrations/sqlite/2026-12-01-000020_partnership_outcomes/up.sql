-- How an ended partnership ended: refused, withdrawn or expired (an invitation nobody
-- accepted), or ended (a collaboration stopped). Filled for those that ended before from
-- the event that closed them.
ALTER TABLE partnerships ADD COLUMN outcome TEXT;
UPDATE partnerships SET outcome = (
    SELECT e.kind FROM partnership_events e
    WHERE e.partnership_id = partnerships.id
      AND e.kind IN ('refused', 'withdrawn', 'expired', 'ended')
    ORDER BY e.occurred_at DESC, e.id DESC
    LIMIT 1
)
WHERE status = 'ended';
