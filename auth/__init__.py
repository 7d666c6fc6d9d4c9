"""Who is asking: roles, password hashing, wall tokens, and the Flask side of signing in (auth.web).
Writes about users, sessions and tokens go through commands/, like every other write."""
