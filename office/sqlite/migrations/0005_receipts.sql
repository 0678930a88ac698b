-- The secret of a payment's receipt page (/receipts/<receipt>?s=…), from the
-- kiosk's payment record; empty for payments recorded before kiosks sent it,
-- whose page then never opens.
ALTER TABLE payments ADD COLUMN secret TEXT NOT NULL DEFAULT '';
