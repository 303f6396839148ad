# What rings (ui/src/views/rules.ts).

rules-title = What rings
rules-facts = Mail that does not ring is still listed and counted.
rules-quiet-hours = Quiet hours
rules-quiet-hours-hint = Nothing rings in these hours but important senders. When they end, one notification sums up what came.
rules-quiet-add = Add quiet hours
rules-every-day = Every day
# A span of quiet hours: "Mon, Tue, 22:00 to 07:00 the next day".
rules-span = { $days }, { $start } to { $end }
rules-span-next-day = { $days }, { $start } to { $end } the next day
rules-days-label = Days of quiet hours { $n }
rules-time-label = { $label } (quiet hours { $n })
rules-from = From
rules-to = To
rules-from-word = from
rules-to-word = to
rules-next-day = the next day
rules-important = Important senders
rules-important-hint = They ring even in quiet hours and from a junk folder. An address (jane@example.org) or a whole domain (example.org).
rules-important-add-label = Add an important sender
rules-important-placeholder = jane@example.org
rules-muted = Muted senders and lists
rules-muted-hint = They never ring. An address, a domain, or a mailing list by its List-Id (list:news.example.org).
rules-muted-add-label = Mute a sender or a list
rules-add = Add
rules-remove = Remove
rules-remove-entry = Remove { $entry }
