"""The hub's HTTP intake: channels that push (the 112 call centre) deliver events here."""
