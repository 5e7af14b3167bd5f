"""Voting: responses from phones and from paper ballots."""
