# Signing in in the browser (ui/src/views/signin.ts).

signin-label = Sign-in in the browser
signin-waiting = Waiting for you to sign in in your browser…
signin-intro = { $provider }'s sign-in page opens in your browser. If it did not, open this link in a browser:
signin-preparing = Preparing the sign-in page…
signin-open-again = Open again
signin-open-again-title = Open the sign-in page in your browser again
signin-copy-link = Copy link
signin-copy-link-title = Copy the link, to open it in a browser yourself
