# Was meldet (ui/src/views/rules.ts).

rules-title = Was meldet
rules-facts = E-Mails, die nicht gemeldet werden, werden trotzdem aufgeführt und gezählt.
rules-quiet-hours = Ruhezeiten
rules-quiet-hours-hint = In diesen Zeiten meldet nur, was von wichtigen Absendern kommt. Wenn sie enden, fasst eine Benachrichtigung zusammen, was eingetroffen ist.
rules-quiet-add = Ruhezeit hinzufügen
rules-every-day = Jeden Tag
# Eine Ruhezeit: „Mo, Di, 22:00 bis 07:00 am nächsten Tag“.
rules-span = { $days }, { $start } bis { $end }
rules-span-next-day = { $days }, { $start } bis { $end } am nächsten Tag
rules-days-label = Tage der Ruhezeit { $n }
rules-time-label = { $label } (Ruhezeit { $n })
rules-from = Von
rules-to = Bis
rules-from-word = von
rules-to-word = bis
rules-next-day = am nächsten Tag
rules-important = Wichtige Absender
rules-important-hint = Sie melden sich auch in Ruhezeiten und aus einem Spam-Ordner. Eine Adresse (erika@example.org) oder eine ganze Domain (example.org).
rules-important-add-label = Einen wichtigen Absender hinzufügen
rules-important-placeholder = erika@example.org
rules-muted = Stummgeschaltete Absender und Listen
rules-muted-hint = Sie melden sich nie. Eine Adresse, eine Domain oder eine Mailingliste über ihre List-Id (list:news.example.org).
rules-muted-add-label = Einen Absender oder eine Liste stummschalten
rules-add = Hinzufügen
rules-remove = Entfernen
rules-remove-entry = { $entry } entfernen
