from django.urls import path

from carebook.people import allergy_views, identity_views, views

app_name = "people"

urlpatterns = [
    path("people/", views.people_list, name="list"),
    path("people/<str:person_id>/", views.person_detail, name="person"),
    path("people/<str:person_id>/picture.svg", views.person_picture, name="picture"),
    path("people/<str:person_id>/nhs-number/", identity_views.person_nhs_number, name="nhs_number"),
    path("people/<str:person_id>/key-safe/", identity_views.person_key_safe, name="key_safe"),
    *allergy_views.urlpatterns,
]
