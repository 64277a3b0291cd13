"""Who follows whom, as imported from X archives: edges keyed by pseudonyms."""
