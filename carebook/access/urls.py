from django.urls import path

from carebook.access import views

app_name = "access"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path("account/api-tokens/<str:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("provider/api-tokens/", views.staff_api_tokens, name="staff_api_tokens"),
]
