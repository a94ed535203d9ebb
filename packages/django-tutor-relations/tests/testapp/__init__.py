"""Other ways to mount the API, which tests name by path; the user model is tutor_testing's."""
