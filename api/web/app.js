/* app.js — the caselib web page: search with facets, case page, submission
 * form and reviewer view over the JSON API (/v1/...). Plain JavaScript, no
 * framework, no build step. Every text goes in with textContent; the only
 * HTML inserted is a search snippet from the server, and only after
 * safeSnippet() has checked that it holds nothing but text, &entities; and
 * <mark></mark>. State lives in the query string so a search can be shared
 * and a reload restores it. See docs/web.md. */
'use strict';

(function () {
  // ---------------------------------------------------------------- strings
  const STRINGS = {
    sv: {
      pageTitle: 'Fallbiblioteket för innovationsupphandling',
      skip: 'Hoppa till innehållet',
      skipResults: 'Hoppa till resultaten',
      filterToggle: 'Filter ({0})',
      noHitsHelp: 'Inga fall matchar alla val. Ta bort ett filter:',
      removeGives: 'Ta bort {0} ({1})',
      allKinds: 'Visa alla typer av fall ({0})',
      clearGives: 'Ta bort alla filter ({0})',
      nHits: '{0} träffar',
      oneHit: '1 träff',
      sorted: 'Sorterat: {0}.',
      pageN: 'Sida {0}',
      pageLimit: 'Bara de första {0} träffarna kan visas; förfina sökningen för att se fler.',
      siteTitle: 'Fallbiblioteket för innovationsupphandling',
      navMain: 'Huvudmeny',
      navSearch: 'Sök fall',
      navSubmit: 'Lämna in ett fall',
      navReview: 'Granska',
      langSwitch: 'English',
      searchTitle: 'Sök innovationsupphandlingar',
      searchLabel: 'Sökord',
      searchButton: 'Sök',
      searchHint: 'Till exempel: skolmåltider, "förkommersiell upphandling", upphandl*',
      facetsTitle: 'Filtrera',
      activeFilters: 'Valda filter',
      clearAll: 'Rensa alla',
      removeFilter: 'Ta bort filter: {0}',
      yearFrom: 'Från',
      yearTo: 'Till',
      yearApply: 'Använd',
      showAll: 'Visa alla ({0})',
      showFewer: 'Visa färre',
      resultsTitle: 'Resultat',
      sortLabel: 'Sortera',
      sortRelevance: 'Relevans',
      sortDate: 'Datum, nyast först',
      sortDateAsc: 'Datum, äldst först',
      kindTabs: 'Typ av fall',
      tab_case: 'Innovationsfall',
      tab_procurement: 'Upphandlingar',
      tab_all: 'Alla',
      goalsSdg: 'Globala målen (SDG)',
      goalsMkm: 'Miljökvalitetsmål',
      goalsOther: 'Övriga mål',
      hitGoals: 'Mål',
      yearCounts: 'Fall per år',
      yearOnly: 'Bara {0} ({1})',
      exportLabel: 'Exportera dessa resultat:',
      exportXlsx: 'Excel (.xlsx)',
      exportCsv: 'CSV för Excel',
      pagerLabel: 'Sidor',
      prevPage: 'Föregående',
      nextPage: 'Nästa',
      pageInfo: 'Sida {0} av {1}',
      loading: 'Söker …',
      hitsNone: 'Inga träffar.',
      hitsOne: '1 träff.',
      hitsMany: '{0} träffar.',
      hitsRange: 'Visar {0}–{1}.',
      orFallback: 'Inget fall innehöll alla orden, så fall med något av orden visas.',
      parsedPlain: 'Sökfrågan kunde inte tolkas helt och lästes som vanliga ord.',
      didYouMean: 'Menade du: ',
      alsoSearched: 'Sökte även: ',
      queryCut: 'Texten var lång: de första 200 orden användes.',
      translateOff: 'Sök bara på orden du skrev',
      translateOn: 'Sök även på översättningar',
      translatedOff: 'Sökte bara på orden du skrev.',
      showingFor: 'Inga träffar för {0}. Visar träffar för ',
      offerFilter: 'Filtrera på: ',
      partialTitle: 'Fall som matchar nästan alla ord',
      searchFailed: 'Sökningen misslyckades: {0}',
      networkError: 'kunde inte nå servern',
      backToSearch: 'Tillbaka till sökningen',
      caseLoading: 'Hämtar fallet …',
      caseNotFound: 'Fallet hittades inte.',
      caseFailed: 'Fallet kunde inte hämtas: {0}',
      caseFacts: 'Uppgifter',
      caseSources: 'Källor',
      caseHistory: 'Historik',
      caseSimilar: 'Liknande fall',
      noSimilar: 'Inga liknande fall hittades.',
      noHistory: 'Ingen historik.',
      version: 'version {0}',
      retrieved: 'hämtad {0}',
      f_id: 'Id',
      f_kind: 'Typ',
      f_status: 'Status',
      f_title: 'Titel',
      f_summary: 'Sammanfattning',
      f_body: 'Beskrivning',
      f_language: 'Språk',
      f_buyerName: 'Upphandlande organisation',
      f_orgNumber: 'Organisationsnummer',
      f_country: 'Land',
      f_nuts: 'NUTS-område',
      f_authorityType: 'Typ av myndighet',
      f_sectors: 'Sektorer',
      f_categories: 'Kategorier (CPV)',
      f_cpv: 'CPV-koder',
      f_goals: 'Mål',
      f_strategic: 'Strategisk upphandling',
      f_procedure: 'Förfarande',
      f_innovation: 'Innovation',
      f_published: 'Publicerad',
      f_awarded: 'Tilldelad',
      f_year: 'År',
      f_value: 'Värde',
      f_outcome: 'Resultat',
      f_lessons: 'Lärdomar',
      f_version: 'Version',
      f_createdAt: 'Skapad',
      f_updatedAt: 'Uppdaterad',
      f_sourceUrl: 'Källa (webbadress)',
      f_sources: 'Källor',
      facet_kind: 'Typ',
      facet_authority_type: 'Typ av myndighet',
      facet_sectors: 'Sektor',
      facet_categories: 'Kategori (CPV)',
      facet_goals: 'Mål',
      facet_strategic: 'Strategisk upphandling',
      facet_procedure: 'Förfarande',
      facet_innovation: 'Innovation',
      facet_year: 'År',
      facet_country: 'Land',
      facet_language: 'Språk',
      kindCase: 'Innovationsfall',
      kindProcurement: 'Upphandling',
      langSv: 'Svenska',
      langEn: 'Engelska',
      langFi: 'Finska',
      chooseNone: '(ingen vald)',
      submitTitle: 'Lämna in ett fall',
      submitIntro: 'Fallet granskas innan det publiceras. Fält markerade med * är obligatoriska.',
      contribToken: 'Din API-nyckel (bidragsgivare)',
      tokenHint: 'Nyckeln sparas bara under den här sessionen i webbläsaren.',
      orgHint: 'Till exempel 212000-1132',
      mdHint: 'Markdown: ## Rubrik, **fet**, *kursiv*, - punktlista, [länk](https://…). HTML visas inte.',
      signedInContrib: 'Inloggad som bidragsgivare.',
      signedInReviewer: 'Inloggad som granskare.',
      signOut: 'Logga ut',
      confirmApprove: 'Godkänna och publicera ”{0}”?',
      confirmReject: 'Avslå ”{0}”? Fallet publiceras inte.',
      cancel: 'Avbryt',
      earlierReviews: 'Tidigare granskning',
      reviewDups: 'Liknande publicerade fall (möjliga dubbletter)',
      statsTitle: 'Uppföljning',
      statsOpen: 'Visa uppföljningen',
      statsTotals: '{0} sökningar, varav {1} utan träffar; {2} visade fallsidor.',
      chartZero: 'Sökningar utan träffar',
      chartFacets: 'Använda filter',
      chartWords: 'Mest sökta ord',
      chartWordsHint: 'Ord som sökts minst {0} gånger, vart och ett för sig: hela sökfrågor sparas inte.',
      chartGoals: 'Fall per mål',
      chartAuthority: 'Fall per typ av myndighet',
      chartYears: 'Fall per år',
      noData: 'Inga uppgifter ännu.',
      mySubs: 'Mina inskickade fall',
      newCase: 'Nytt fall',
      cpvHint: 'Åtta siffror, flera åtskilda med komma: 15800000, 55524000',
      f_currency: 'Valuta',
      dupCheckTitle: 'Finns fallet redan?',
      dupCheckText: 'De här publicerade fallen liknar ditt. Kontrollera att ditt fall inte redan finns innan du skickar in det.',
      dupConfirm: 'Mitt fall är nytt – skicka in',
      dupScore: '{0}\u00a0% lika',
      cancelEdit: 'Avbryt ändringen',
      statusIs: 'Status: {0}',
      reviewerSaid: 'Granskaren ({0}) {1}',
      revise: 'Ändra och skicka igen',
      mySubsCount: '{0} inskickade fall, det senast ändrade först.',
      mySubsOne: '1 inskickat fall.',
      mySubsNone: 'Du har inte skickat in några fall ännu.',
      mySubsFailed: 'Dina inskickade fall kunde inte hämtas: {0}',
      mySubMeta: 'Id {0} · version {1} · senast ändrat {2}',
      mySubsMore: 'Visa fler',
      otherToken: 'Skickat med en annan av dina nycklar: ändra det med den nyckeln.',
      contribSignIn: 'Logga in och visa mina inskickade fall',
      reviseTitle: 'Ändra: {0}',
      resubmit: 'Skicka in igen',
      resubmitted: 'Ändringen är inskickad',
      submittedTitle: 'Fallet är inskickat',
      whatNext: 'En granskare läser fallet. Du ser status och granskarens kommentarer under ”Mina inskickade fall” på den här sidan.',
      caseLinkWhenPublished: 'Fallets sida (visas när det är publicerat)',
      decision_approve: 'godkänt',
      decision_reject: 'avslag',
      decision_request_changes: 'ändringar begärda',
      err_title: 'Skriv en titel.',
      err_org_number: 'Organisationsnumret är inte giltigt: tio siffror, NNNNNN-NNNN, och rätt kontrollsiffra.',
      err_source_url: 'Ange källans webbadress, som börjar med https:// eller http://.',
      err_cpv: 'CPV-koder har åtta siffror (och kan sluta med -kontrollsiffra).',
      err_value: 'Värdet ska vara ett tal, till exempel 1500000.',
      err_currency: 'Valutan är en kod med tre bokstäver, till exempel SEK.',
      err_published: 'Ange ett datum (ÅÅÅÅ-MM-DD).',
      err_awarded: 'Ange ett datum (ÅÅÅÅ-MM-DD) som inte är före publiceringen.',
      // stable validation codes of the API (docs/api.md, errors[].code)
      ec_required: 'Fältet måste fyllas i.',
      ec_wrong_type: 'Värdet har fel form.',
      ec_invalid_text: 'Texten innehåller otillåtna tecken (styrtecken).',
      ec_too_long: 'Texten är för lång.',
      ec_empty: 'Fältet får inte vara tomt.',
      ec_too_many_items: 'För många val (högst 64).',
      ec_unknown_field: 'Fältet hör inte till ett fall.',
      ec_unknown_code: 'Okänt val – välj ett av alternativen.',
      ec_duplicate_code: 'Samma kod finns två gånger.',
      ec_cpv_format: 'CPV-koder har åtta siffror (och kan sluta med -kontrollsiffra), till exempel 39180000.',
      ec_date_format: 'Ange ett datum som ÅÅÅÅ-MM-DD.',
      ec_date_invalid: 'Datumet finns inte i kalendern.',
      ec_year_range: 'Året ska ligga mellan 1900 och 2100.',
      ec_timestamp_format: 'Ange en tidpunkt som 2026-11-27T05:00:00Z.',
      ec_id_format: 'Id:t får bara innehålla a–z, 0–9, punkt, understreck och bindestreck (högst 83 tecken).',
      ec_id_mismatch: 'Id:t stämmer inte med det inskickade fallets id.',
      ec_language_code: 'Ange språket som en kod med två bokstäver, till exempel sv.',
      ec_orgnr_format: 'Organisationsnumret är inte giltigt: tio siffror, NNNNNN-NNNN.',
      ec_orgnr_checksum: 'Organisationsnumret är inte giltigt: kontrollsiffran stämmer inte. Kontrollera numret (NNNNNN-NNNN).',
      ec_country_code: 'Ange landet som en kod med två stora bokstäver, till exempel SE.',
      ec_nuts_code: 'Ange en NUTS-kod, till exempel SE224.',
      ec_currency_code: 'Valutan är en kod med tre bokstäver, till exempel SEK.',
      ec_number_range: 'Talet är för stort eller ogiltigt.',
      ec_negative: 'Värdet får inte vara negativt.',
      ec_url_format: 'Webbadressen får inte innehålla mellanslag och måste ha ett värdnamn (https://exempel.se/…).',
      ec_url_scheme: 'Ange en webbadress som börjar med https:// eller http://.',
      ec_sha256_format: 'Kontrollsumman ska vara 64 hexadecimala tecken.',
      ec_json_syntax: 'Fallet kunde inte läsas (trasig JSON).',
      ec_too_many_problems: 'Fler fel finns; rätta dessa och skicka igen.',
      submitButton: 'Skicka in',
      submitting: 'Skickar …',
      submitOk: 'Tack! Fallet har skickats in för granskning med id {0} (status: {1}).',
      submitErrors: 'Fallet kunde inte skickas in. Rätta följande:',
      submitFailed: 'Fallet kunde inte skickas in: {0}',
      tokenRequired: 'Ange din API-nyckel.',
      tokenRejected: 'Nyckeln godtogs inte.',
      duplicatesTitle: 'Möjliga dubbletter',
      reviewTitle: 'Granska inskickade fall',
      reviewToken: 'Granskarens API-nyckel',
      saveToken: 'Spara nyckel',
      forgetToken: 'Glöm nyckeln',
      tokenSaved: 'Nyckeln är sparad för den här sessionen.',
      tokenForgotten: 'Nyckeln är borttagen.',
      needReviewToken: 'Ange granskarens API-nyckel för att se kön.',
      queueTitle: 'Kö',
      queueEmpty: 'Kön är tom.',
      queueCount: '{0} i kön.',
      queueFailed: 'Kön kunde inte hämtas: {0}',
      openItem: 'Granska: {0}',
      submittedBy: 'Inskickad {0} av {1}, status: {2}',
      diffCaption: 'Ändringar mot föregående version',
      diffField: 'Fält',
      diffBefore: 'Före',
      diffAfter: 'Efter',
      diffNone: 'Inga tidigare versioner: alla fält är nya.',
      decisionComment: 'Kommentar (krävs för avslag och ändringsbegäran)',
      approve: 'Godkänn',
      requestChanges: 'Begär ändringar',
      reject: 'Avslå',
      decisionDone: 'Beslutet är registrerat: {0} är nu {1}.',
      decisionFailed: 'Beslutet kunde inte registreras: {0}',
      commentRequired: 'Skriv en kommentar för avslag eller ändringsbegäran.',
      status_submitted: 'Inskickad',
      status_changes_requested: 'Ändringar begärda',
      status_published: 'Publicerad',
      status_rejected: 'Avslagen',
      status_withdrawn: 'Tillbakadragen',
      footer: 'Fallbiblioteket samlar exempel på innovationsupphandling från svenska offentliga organisationer.',
      apiLink: 'API-beskrivning (OpenAPI)',
      httpError: 'fel {0}',
      yes: 'ja',
      no: 'nej'
    },
    en: {
      pageTitle: 'Innovation procurement case library',
      skip: 'Skip to content',
      skipResults: 'Skip to the results',
      filterToggle: 'Filters ({0})',
      noHitsHelp: 'No case matches every choice. Remove a filter:',
      removeGives: 'Remove {0} ({1})',
      allKinds: 'Show every kind of case ({0})',
      clearGives: 'Remove every filter ({0})',
      nHits: '{0} results',
      oneHit: '1 result',
      sorted: 'Sorted: {0}.',
      pageN: 'Page {0}',
      pageLimit: 'Only the first {0} results can be shown; refine the search to see more.',
      siteTitle: 'Innovation procurement case library',
      navMain: 'Main menu',
      navSearch: 'Search cases',
      navSubmit: 'Submit a case',
      navReview: 'Review',
      langSwitch: 'Svenska',
      searchTitle: 'Search innovation procurements',
      searchLabel: 'Search terms',
      searchButton: 'Search',
      searchHint: 'For example: school meals, "pre-commercial procurement", procure*',
      facetsTitle: 'Filter',
      activeFilters: 'Active filters',
      clearAll: 'Clear all',
      removeFilter: 'Remove filter: {0}',
      yearFrom: 'From',
      yearTo: 'To',
      yearApply: 'Apply',
      showAll: 'Show all ({0})',
      showFewer: 'Show fewer',
      resultsTitle: 'Results',
      sortLabel: 'Sort by',
      sortRelevance: 'Relevance',
      sortDate: 'Date, newest first',
      sortDateAsc: 'Date, oldest first',
      kindTabs: 'Kind of case',
      tab_case: 'Innovation cases',
      tab_procurement: 'Procurements',
      tab_all: 'All',
      goalsSdg: 'Global goals (SDG)',
      goalsMkm: 'Swedish environmental objectives',
      goalsOther: 'Other goals',
      hitGoals: 'Goals',
      yearCounts: 'Cases per year',
      yearOnly: 'Only {0} ({1})',
      exportLabel: 'Export these results:',
      exportXlsx: 'Excel (.xlsx)',
      exportCsv: 'CSV for Excel',
      pagerLabel: 'Pages',
      prevPage: 'Previous',
      nextPage: 'Next',
      pageInfo: 'Page {0} of {1}',
      loading: 'Searching …',
      hitsNone: 'No results.',
      hitsOne: '1 result.',
      hitsMany: '{0} results.',
      hitsRange: 'Showing {0}–{1}.',
      orFallback: 'No case contained all the words, so cases with any of them are shown.',
      parsedPlain: 'The query could not be fully understood and was read as plain words.',
      didYouMean: 'Did you mean: ',
      alsoSearched: 'Also searched for: ',
      queryCut: 'The text was long: its first 200 words were used.',
      translateOff: 'Search only the words you typed',
      translateOn: 'Search translations too',
      translatedOff: 'Searched only the words you typed.',
      showingFor: 'No results for {0}. Showing results for ',
      offerFilter: 'Filter on: ',
      partialTitle: 'Cases matching almost all the words',
      searchFailed: 'The search failed: {0}',
      networkError: 'could not reach the server',
      backToSearch: 'Back to the search',
      caseLoading: 'Loading the case …',
      caseNotFound: 'The case was not found.',
      caseFailed: 'The case could not be loaded: {0}',
      caseFacts: 'Details',
      caseSources: 'Sources',
      caseHistory: 'History',
      caseSimilar: 'Similar cases',
      noSimilar: 'No similar cases found.',
      noHistory: 'No history.',
      version: 'version {0}',
      retrieved: 'retrieved {0}',
      f_id: 'Id',
      f_kind: 'Kind',
      f_status: 'Status',
      f_title: 'Title',
      f_summary: 'Summary',
      f_body: 'Description',
      f_language: 'Language',
      f_buyerName: 'Buyer',
      f_orgNumber: 'Organisation number',
      f_country: 'Country',
      f_nuts: 'NUTS region',
      f_authorityType: 'Authority type',
      f_sectors: 'Sectors',
      f_categories: 'Categories (CPV)',
      f_cpv: 'CPV codes',
      f_goals: 'Goals',
      f_strategic: 'Strategic procurement',
      f_procedure: 'Procedure',
      f_innovation: 'Innovation',
      f_published: 'Published',
      f_awarded: 'Awarded',
      f_year: 'Year',
      f_value: 'Value',
      f_outcome: 'Outcome',
      f_lessons: 'Lessons learned',
      f_version: 'Version',
      f_createdAt: 'Created',
      f_updatedAt: 'Updated',
      f_sourceUrl: 'Source (web address)',
      f_sources: 'Sources',
      facet_kind: 'Kind',
      facet_authority_type: 'Authority type',
      facet_sectors: 'Sector',
      facet_categories: 'Category (CPV)',
      facet_goals: 'Goal',
      facet_strategic: 'Strategic procurement',
      facet_procedure: 'Procedure',
      facet_innovation: 'Innovation',
      facet_year: 'Year',
      facet_country: 'Country',
      facet_language: 'Language',
      kindCase: 'Innovation case',
      kindProcurement: 'Procurement',
      langSv: 'Swedish',
      langEn: 'English',
      langFi: 'Finnish',
      chooseNone: '(none chosen)',
      submitTitle: 'Submit a case',
      submitIntro: 'The case is reviewed before it is published. Fields marked * are required.',
      contribToken: 'Your API token (contributor)',
      tokenHint: 'The token is kept only for this browser session.',
      orgHint: 'For example 212000-1132',
      mdHint: 'Markdown: ## Heading, **bold**, *italic*, - list, [link](https://…). HTML is not shown.',
      signedInContrib: 'Signed in as contributor.',
      signedInReviewer: 'Signed in as reviewer.',
      signOut: 'Sign out',
      confirmApprove: 'Approve and publish “{0}”?',
      confirmReject: 'Reject “{0}”? The case is not published.',
      cancel: 'Cancel',
      earlierReviews: 'Earlier review',
      reviewDups: 'Similar published cases (possible duplicates)',
      statsTitle: 'Follow-up',
      statsOpen: 'Show the follow-up',
      statsTotals: '{0} searches, {1} of them without results; {2} case pages viewed.',
      chartZero: 'Searches without results',
      chartFacets: 'Filters used',
      chartWords: 'Most searched words',
      chartWordsHint: 'Words searched at least {0} times, each on its own: whole queries are not kept.',
      chartGoals: 'Cases per goal',
      chartAuthority: 'Cases per authority type',
      chartYears: 'Cases per year',
      noData: 'No data yet.',
      mySubs: 'My submitted cases',
      newCase: 'New case',
      cpvHint: 'Eight digits, several separated by commas: 15800000, 55524000',
      f_currency: 'Currency',
      dupCheckTitle: 'Is the case already here?',
      dupCheckText: 'These published cases are like yours. Check that your case is not already here before you submit it.',
      dupConfirm: 'My case is new – submit it',
      dupScore: '{0}\u00a0% alike',
      cancelEdit: 'Cancel the change',
      statusIs: 'Status: {0}',
      reviewerSaid: 'The reviewer ({0}) {1}',
      revise: 'Change and resubmit',
      mySubsCount: '{0} submitted cases, the last changed first.',
      mySubsOne: '1 submitted case.',
      mySubsNone: 'You have not submitted any cases yet.',
      mySubsFailed: 'Your submitted cases could not be fetched: {0}',
      mySubMeta: 'Id {0} · version {1} · last changed {2}',
      mySubsMore: 'Show more',
      otherToken: 'Sent with another of your tokens: change it with that token.',
      contribSignIn: 'Sign in and show my submitted cases',
      reviseTitle: 'Change: {0}',
      resubmit: 'Resubmit',
      resubmitted: 'The change is submitted',
      submittedTitle: 'The case is submitted',
      whatNext: 'A reviewer reads the case. You see its status and the reviewer\'s comments under “My submitted cases” on this page.',
      caseLinkWhenPublished: 'The case page (shown once published)',
      decision_approve: 'approved',
      decision_reject: 'rejected',
      decision_request_changes: 'changes requested',
      err_title: 'Write a title.',
      err_org_number: 'The organisation number is not valid: ten digits, NNNNNN-NNNN, with the right check digit.',
      err_source_url: 'Give the source\'s web address, starting with https:// or http://.',
      err_cpv: 'CPV codes have eight digits (and may end in -check digit).',
      err_value: 'The value must be a number, for example 1500000.',
      err_currency: 'The currency is a three-letter code, for example SEK.',
      err_published: 'Give a date (YYYY-MM-DD).',
      err_awarded: 'Give a date (YYYY-MM-DD) not before publication.',
      // stable validation codes of the API (docs/api.md, errors[].code)
      ec_required: 'This field is required.',
      ec_wrong_type: 'The value has the wrong form.',
      ec_invalid_text: 'The text contains characters that are not allowed (control characters).',
      ec_too_long: 'The text is too long.',
      ec_empty: 'This field must not be empty.',
      ec_too_many_items: 'Too many values (at most 64).',
      ec_unknown_field: 'This field is not part of a case.',
      ec_unknown_code: 'Unknown value – choose one of the options.',
      ec_duplicate_code: 'The same code appears twice.',
      ec_cpv_format: 'CPV codes have eight digits (and may end in -check digit), for example 39180000.',
      ec_date_format: 'Give a date as YYYY-MM-DD.',
      ec_date_invalid: 'That date does not exist in the calendar.',
      ec_year_range: 'The year must lie between 1900 and 2100.',
      ec_timestamp_format: 'Give a time such as 2026-11-27T05:00:00Z.',
      ec_id_format: 'The id may only hold a–z, 0–9, dot, underscore and hyphen (at most 83 characters).',
      ec_id_mismatch: 'The id is not the submission\'s id.',
      ec_language_code: 'Give the language as a two-letter code, for example sv.',
      ec_orgnr_format: 'The organisation number is not valid: ten digits, NNNNNN-NNNN.',
      ec_orgnr_checksum: 'The organisation number is not valid: the check digit is wrong. Check the number (NNNNNN-NNNN).',
      ec_country_code: 'Give the country as a two-letter upper-case code, for example SE.',
      ec_nuts_code: 'Give a NUTS code, for example SE224.',
      ec_currency_code: 'The currency is a three-letter code, for example SEK.',
      ec_number_range: 'The number is too large or not valid.',
      ec_negative: 'The value must not be negative.',
      ec_url_format: 'The web address must not contain spaces and must name a host (https://example.org/…).',
      ec_url_scheme: 'Give a web address starting with https:// or http://.',
      ec_sha256_format: 'The checksum must be 64 hexadecimal digits.',
      ec_json_syntax: 'The case could not be read (broken JSON).',
      ec_too_many_problems: 'There are more problems; fix these and send again.',
      submitButton: 'Submit',
      submitting: 'Submitting …',
      submitOk: 'Thank you! The case was submitted for review with id {0} (status: {1}).',
      submitErrors: 'The case could not be submitted. Please correct the following:',
      submitFailed: 'The case could not be submitted: {0}',
      tokenRequired: 'Enter your API token.',
      tokenRejected: 'The token was not accepted.',
      duplicatesTitle: 'Possible duplicates',
      reviewTitle: 'Review submitted cases',
      reviewToken: 'Reviewer API token',
      saveToken: 'Save token',
      forgetToken: 'Forget token',
      tokenSaved: 'The token is saved for this session.',
      tokenForgotten: 'The token was removed.',
      needReviewToken: 'Enter the reviewer API token to see the queue.',
      queueTitle: 'Queue',
      queueEmpty: 'The queue is empty.',
      queueCount: '{0} in the queue.',
      queueFailed: 'The queue could not be loaded: {0}',
      openItem: 'Review: {0}',
      submittedBy: 'Submitted {0} by {1}, status: {2}',
      diffCaption: 'Changes from the previous version',
      diffField: 'Field',
      diffBefore: 'Before',
      diffAfter: 'After',
      diffNone: 'No earlier version: every field is new.',
      decisionComment: 'Comment (required to reject or request changes)',
      approve: 'Approve',
      requestChanges: 'Request changes',
      reject: 'Reject',
      decisionDone: 'The decision is recorded: {0} is now {1}.',
      decisionFailed: 'The decision could not be recorded: {0}',
      commentRequired: 'Write a comment to reject or request changes.',
      status_submitted: 'Submitted',
      status_changes_requested: 'Changes requested',
      status_published: 'Published',
      status_rejected: 'Rejected',
      status_withdrawn: 'Withdrawn',
      footer: 'The case library collects examples of innovation procurement by Swedish public bodies.',
      apiLink: 'API description (OpenAPI)',
      httpError: 'error {0}',
      yes: 'yes',
      no: 'no'
    }
  };

  // Facets shown as checkbox panels, in this order; year is a range. The
  // server's facet table (GET /v1/facets "order") replaces this list.
  let FACETS = ['kind', 'categories', 'sectors', 'authority_type', 'goals', 'year', 'strategic',
    'procedure', 'innovation', 'language', 'country'];
  const LANG_NAMES = { sv: 'langSv', en: 'langEn', fi: 'langFi' };
  const FACET_SHORT = 5;       // values shown before "show all"
  const PAGE_SIZE = 20;
  const SORTS = ['relevance', 'date', 'date-asc'];
  const MAX_OFFSET = 10000;    // the API's largest offset
  const TOKEN_KEYS = { contributor: 'caselib.token.contributor', reviewer: 'caselib.token.reviewer' };

  // API error paths ($.buyer.org_number, $.sectors[2], ...) -> form field id.
  const ERROR_FIELDS = [
    [/^\$\.title\b/, 'sub-title'],
    [/^\$\.summary\b/, 'sub-summary'],
    [/^\$\.body\b/, 'sub-body'],
    [/^\$\.outcome\b/, 'sub-outcome'],
    [/^\$\.lessons\b/, 'sub-lessons'],
    [/^\$\.kind\b/, 'sub-kind'],
    [/^\$\.language\b/, 'sub-language'],
    [/^\$\.buyer\.org_number\b/, 'sub-org-number'],
    [/^\$\.buyer(\.name)?\b/, 'sub-buyer-name'],
    [/^\$\.authority_type\b/, 'sub-authority-type'],
    [/^\$\.sectors\b/, 'sub-sectors'],
    [/^\$\.goals\b/, 'sub-goals'],
    [/^\$\.procedure\b/, 'sub-procedure'],
    [/^\$\.cpv\b/, 'sub-cpv'],
    [/^\$\.value\.currency\b/, 'sub-currency'],
    [/^\$\.value\b/, 'sub-value'],
    [/^\$\.published\b/, 'sub-published'],
    [/^\$\.awarded\b/, 'sub-awarded'],
    [/^\$\.sources\b/, 'sub-source-url']
  ];

  let lang = 'sv';
  let labels = {};            // facet -> code -> {sv, en}
  const facetTitles = {};     // facet -> {sv, en}: headings from the facet table
  let lastSearch = null;      // last search response, re-rendered on language switch
  let lastApiErrors = null;   // the submission's last errors[], re-worded on language switch
  let lastCase = null;        // {c, history, similar}
  let expanded = {};          // facet -> true when "show all" is open
  let lastSearchUrl = './';
  let currentReviewId = null;
  let currentReviewVersion = null;

  // ---------------------------------------------------------------- helpers
  function $(id) { return document.getElementById(id); }

  function t(key) {
    const args = Array.prototype.slice.call(arguments, 1);
    let s = (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.sv[key] || key;
    args.forEach(function (a, i) { s = s.split('{' + i + '}').join(String(a)); });
    return s;
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // A facet's heading: the server's facet table, else the page's own text.
  function facetTitle(f) {
    const x = facetTitles[f];
    return (x && x[lang]) || t('facet_' + f);
  }

  function label(facet, code) {
    const m = labels[facet] && labels[facet][code];
    if (m && (m[lang] || m.sv || m.en)) return m[lang] || m.sv || m.en;
    if (facet === 'kind') return code === 'case' ? t('kindCase') : code === 'procurement' ? t('kindProcurement') : code;
    if (facet === 'language' && LANG_NAMES[code]) return t(LANG_NAMES[code]);
    if (facet === 'status' && STRINGS.sv['status_' + code]) return t('status_' + code);
    if (facet === 'decision' && STRINGS.sv['decision_' + code]) return t('decision_' + code);
    return code;
  }

  function fmtNumber(n) {
    try { return Number(n).toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-GB'); } catch (e) { return String(n); }
  }

  // A snippet may be inserted as HTML only when it consists of nothing but
  // text, character references and non-nested <mark></mark>.
  const SNIPPET_TOKEN = /<mark>|<\/mark>|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});|[^<>&]+/g;
  function safeSnippet(s) {
    if (typeof s !== 'string') return false;
    let pos = 0;
    let open = false;
    SNIPPET_TOKEN.lastIndex = 0;
    let m;
    while ((m = SNIPPET_TOKEN.exec(s)) !== null) {
      if (m.index !== pos) return false;
      if (m[0] === '<mark>') { if (open) return false; open = true; }
      else if (m[0] === '</mark>') { if (!open) return false; open = false; }
      pos = m.index + m[0].length;
    }
    return pos === s.length && !open;
  }

  function setSnippet(node, s) {
    if (safeSnippet(s)) node.innerHTML = s; // checked: text, &entities; and <mark> only
    else node.textContent = s == null ? '' : String(s);
  }

  function safeHref(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  function token(role) {
    try { return sessionStorage.getItem(TOKEN_KEYS[role]) || ''; } catch (e) { return ''; }
  }
  function setToken(role, v) {
    try {
      if (v) sessionStorage.setItem(TOKEN_KEYS[role], v);
      else sessionStorage.removeItem(TOKEN_KEYS[role]);
    } catch (e) { /* storage disabled: keep nothing */ }
  }

  // fetch JSON; resolves {status, body} (body null when not JSON); rejects
  // only on network failure.
  function api(method, path, opts) {
    opts = opts || {};
    const headers = { Accept: 'application/json' };
    if (opts.token) headers.Authorization = 'Bearer ' + opts.token;
    let body;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    return fetch(path, { method: method, headers: headers, body: body, credentials: 'same-origin' })
      .then(function (r) {
        return r.text().then(function (txt) {
          let j = null;
          try { j = txt ? JSON.parse(txt) : null; } catch (e) { j = null; }
          return { status: r.status, ok: r.ok, body: j };
        });
      });
  }

  // A search: GET with the parameters in the URL; a long text (a pasted
  // description of a need, over the 1,024 bytes a GET's q may have) as
  // POST /v1/search with the same parameters as a JSON object.
  const GET_TEXT_MAX = 1024;
  function utf8Length(s) { return new TextEncoder().encode(s || '').length; }
  function apiSearch(p) {
    if (utf8Length(p.get('q')) <= GET_TEXT_MAX) return api('GET', '/v1/search?' + p.toString());
    const o = {};
    p.forEach(function (v, k) { if (o[k] === undefined) o[k] = v; else o[k] = [].concat(o[k], v); });
    return api('POST', '/v1/search', { json: o });
  }

  function problemText(res) {
    const b = res.body;
    if (b && (b.detail || b.title)) return String(b.detail || b.title);
    return t('httpError', res.status);
  }

  // ---------------------------------------------------------------- state / URL
  function readState() {
    const p = new URLSearchParams(location.search);
    let hashCase = null;
    const hm = /^#\/case\/(.+)$/.exec(location.hash);
    if (hm) hashCase = decodeURIComponent(hm[1]);
    const st = {
      view: p.get('view') || 'search',
      caseId: p.get('case') || hashCase,
      q: p.get('q') || '',
      translate: p.get('translate') === 'off' ? 'off' : '',
      filters: {},
      year: p.get('year') || '',
      sort: SORTS.indexOf(p.get('sort')) >= 0 ? p.get('sort') : 'relevance',
      tab: '',
      offset: Math.min(MAX_OFFSET, Math.max(0, parseInt(p.get('offset') || '0', 10) || 0))
    };
    if (st.caseId) st.view = 'case';
    FACETS.forEach(function (f) {
      if (f === 'year') return; // a range: st.year
      const v = p.getAll(f).filter(function (x) { return x !== ''; });
      if (v.length) st.filters[f] = Array.from(new Set(v));
    });
    // the kind tabs: kind=case, kind=procurement, kind=all (page only: no
    // kind filter); none given: innovation cases when the search has any
    const k = st.filters.kind || [];
    if (k.indexOf('all') >= 0 || k.length > 1) { st.tab = 'all'; delete st.filters.kind; }
    else if (k.length === 1) st.tab = k[0];
    return st;
  }

  // Query string of a search (no view/lang): used for the page URL, the API and the export.
  function searchParams(st, extra) {
    const p = new URLSearchParams();
    if (st.q) p.set('q', st.q);
    FACETS.forEach(function (f) { if (f !== 'year') (st.filters[f] || []).forEach(function (v) { p.append(f, v); }); });
    if (st.year) p.set('year', st.year);
    if (st.translate === 'off') p.set('translate', 'off');
    if (extra) Object.keys(extra).forEach(function (k) { p.set(k, extra[k]); });
    return p;
  }

  function pageUrl(st) {
    const p = searchParams(st);
    if (st.tab === 'all') p.append('kind', 'all');
    if (st.sort !== 'relevance') p.set('sort', st.sort);
    if (st.offset) p.set('offset', String(st.offset));
    if (lang === 'en') p.set('lang', 'en');
    const qs = p.toString();
    return location.pathname + (qs ? '?' + qs : '');
  }

  function withLang(url) {
    if (lang !== 'en') return url;
    return url + (url.indexOf('?') >= 0 ? '&' : '?') + 'lang=en';
  }

  // noFocus: the caller puts the focus back itself (afterSearch)
  function navigate(url, push, noFocus) {
    if (push) history.pushState(null, '', url);
    route(!noFocus);
  }

  // ---------------------------------------------------------------- i18n
  function applyStrings() {
    document.documentElement.lang = lang;
    document.title = t('pageTitle');
    document.querySelectorAll('[data-i18n]').forEach(function (n) { n.textContent = t(n.getAttribute('data-i18n')); });
    document.querySelectorAll('[data-i18n-aria]').forEach(function (n) { n.setAttribute('aria-label', t(n.getAttribute('data-i18n-aria'))); });
    const sw = $('lang-switch');
    sw.textContent = t('langSwitch');
    sw.setAttribute('lang', lang === 'sv' ? 'en' : 'sv');
    document.querySelectorAll('[data-view-link]').forEach(function (a) {
      const v = a.getAttribute('data-view-link');
      a.setAttribute('href', withLang(v === 'search' ? location.pathname : location.pathname + '?view=' + v));
    });
    $('home-link').setAttribute('href', withLang(location.pathname));
    $('filter-toggle').textContent = t('filterToggle', filterCount);
    fillSubmitOptions();
  }

  function setLang(l, push) {
    lang = l === 'en' ? 'en' : 'sv';
    try { localStorage.setItem('caselib.lang', lang); } catch (e) { /* ignore */ }
    const p = new URLSearchParams(location.search);
    if (lang === 'en') p.set('lang', 'en'); else p.delete('lang');
    const qs = p.toString();
    if (push) history.replaceState(null, '', location.pathname + (qs ? '?' + qs : '') + location.hash);
    applyStrings();
    if (lastSearch) renderSearch(lastSearch.state, lastSearch.res);
    if (lastCase) renderCase(lastCase);
    if (!$('view-submit').hidden && token('contributor')) loadMySubs();
    if (lastApiErrors) {
      const errs = lastApiErrors;
      clearErrors();
      showApiErrors(errs, false);
    }
  }

  // /v1/facets: tolerate {facets:{f:[{code|value, sv|label_sv, en|label_en}]}}
  // and {f:{code:{sv,en}}} shapes.
  function loadLabels() {
    return api('GET', '/v1/facets').then(function (res) {
      if (!res.ok || !res.body) return;
      if (Array.isArray(res.body.order)) {
        const names = res.body.order.map(function (d) { return d && d.name; })
          .filter(function (n) { return typeof n === 'string'; });
        if (names.length) FACETS = names;
        res.body.order.forEach(function (d) {
          if (d && d.name) facetTitles[d.name] = { sv: d.label_sv, en: d.label_en };
        });
      }
      const root = res.body.facets || res.body;
      Object.keys(root).forEach(function (f) {
        const m = {};
        const v = root[f];
        const items = Array.isArray(v) ? v : (v && Array.isArray(v.values) ? v.values : null);
        if (items) {
          items.forEach(function (it) {
            const code = it.code !== undefined ? it.code : it.value;
            if (code === undefined) return;
            const lb = it.labels || it.label || {};
            m[String(code)] = {
              sv: it.sv || it.label_sv || lb.sv || (typeof it.label === 'string' ? it.label : ''),
              en: it.en || it.label_en || lb.en || (typeof it.label === 'string' ? it.label : '')
            };
          });
        } else if (v && typeof v === 'object') {
          Object.keys(v).forEach(function (code) {
            const x = v[code];
            m[code] = typeof x === 'string' ? { sv: x, en: x } : { sv: x.sv || x.label_sv || '', en: x.en || x.label_en || '' };
          });
        }
        labels[f] = m;
      });
    }).catch(function () { /* labels fall back to codes */ });
  }

  // ---------------------------------------------------------------- views
  function showView(name) {
    ['search', 'case', 'submit', 'review'].forEach(function (v) {
      $('view-' + v).hidden = v !== name;
    });
    document.querySelectorAll('[data-view-link]').forEach(function (a) {
      if (a.getAttribute('data-view-link') === name || (name === 'case' && a.getAttribute('data-view-link') === 'search')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  }

  function route(focus) {
    const st = readState();
    if (st.view === 'case' && st.caseId) { showView('case'); loadCase(st.caseId, focus); }
    else if (st.view === 'submit') { showView('submit'); showContribSignIn(); loadMySubs(); if (focus) $('submit-title').focus(); }
    else if (st.view === 'review') {
      showView('review');
      const sub = new URLSearchParams(location.search).get('sub');
      loadQueue().then(function () { if (sub && token('reviewer')) openSubmission(sub); });
      if (focus) $('review-title').focus();
    }
    else { showView('search'); runSearch(st, focus); }
  }

  // ---------------------------------------------------------------- search
  let searchSeq = 0;
  let afterSearch = null;
  let filterCount = 0;        // chosen filters, shown on the mobile "Filter (n)" button      // run once the next results are drawn
  let yearBox = null;          // the year fieldset, moved among the panels

  function runSearch(st, focus) {
    lastSearchUrl = pageUrl(st);
    $('q').value = st.q;
    $('sort').value = st.sort;
    const yr = /^(\d{4})?(?:\.\.(\d{4})?)?$/.exec(st.year) || [];
    $('year-from').value = yr[1] || '';
    $('year-to').value = st.year.indexOf('..') >= 0 ? (yr[2] || '') : (yr[1] || '');
    $('result-status').textContent = t('loading');
    const seq = ++searchSeq;
    // no tab chosen: innovation cases first, all kinds when the search has
    // none. A count-only probe decides; it asks with offset 1, which the
    // server leaves out of its statistics, so a search is counted once and
    // only a search that really found nothing counts as one without hits.
    const auto = !st.tab;
    const eff = Object.assign({}, st, { filters: Object.assign({}, st.filters) });
    function ask(s) {
      const p = searchParams(s, { sort: s.sort, offset: String(s.offset), limit: String(PAGE_SIZE), facets: 'all', lang: lang });
      return apiSearch(p);
    }
    const probe = !auto ? Promise.resolve() : apiSearch(
      searchParams(st, { limit: '0', offset: '1', facets: 'kind', lang: lang })).then(function (res) {
      const k = res.ok && res.body && res.body.facets && res.body.facets.kind;
      if ((k || []).some(function (x) { return (x.value !== undefined ? x.value : x.code) === 'case' && x.count > 0; }))
        eff.filters.kind = ['case'];
    });
    probe.then(function () { return ask(eff); }).then(function (res) {
      if (seq !== searchSeq) return;
      if (!res.ok || !res.body) {
        lastSearch = null;
        clear($('hits'));
        $('result-status').textContent = t('searchFailed', problemText(res));
        return;
      }
      eff.tab = eff.filters.kind ? eff.filters.kind[0] : 'all';
      lastSearch = { state: st, eff: eff, res: res.body };
      renderSearch(st, res.body, eff);
      if (focus) $('results-heading').focus();
      if (afterSearch) { const f = afterSearch; afterSearch = null; f(); }
    }).catch(function () {
      if (seq !== searchSeq) return;
      $('result-status').textContent = t('searchFailed', t('networkError'));
    });
  }

  // strip <mark> and entities from a snippet: its plain text
  function snippetText(s) {
    const d = document.createElement('div');
    setSnippet(d, s);
    return d.textContent;
  }
  function norm(s) { return String(s || '').replace(/…/g, '').replace(/\s+/g, ' ').trim().toLowerCase(); }

  // a goal's short label: "SDG 13"; a miljökvalitetsmål's own label is short
  function goalShort(code) {
    const m = /^sdg-(\d+)$/.exec(code);
    if (m) return 'SDG ' + m[1];
    return label('goals', code);
  }
  function goalGroup(code) {
    return /^sdg-/.test(code) ? 'sdg' : /^mkm-/.test(code) ? 'mkm' : 'other';
  }

  function caseLink(id, title) {
    const a = el('a', { href: withLang(location.pathname + '?case=' + encodeURIComponent(id)) }, title || id);
    a.addEventListener('click', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
      ev.preventDefault();
      navigate(a.getAttribute('href'), true);
    });
    return a;
  }

  function renderHit(h) {
    const li = el('li', { class: 'hit', 'data-id': h.id });
    const h3 = el('h3');
    const a = caseLink(h.id, h.title);
    h3.appendChild(a);
    li.appendChild(h3);
    // kind · buyer · year · authority type
    const meta = [];
    if (h.kind) meta.push(label('kind', h.kind));
    if (h.buyer) meta.push(h.buyer);
    if (h.year) meta.push(String(h.year));
    if (h.authority_type) meta.push(label('authority_type', h.authority_type));
    if (meta.length) li.appendChild(el('p', { class: 'hit-meta' }, meta.join(' · ')));
    // a snippet that only repeats the title marks the title instead
    if (h.snippet) {
      const txt = snippetText(h.snippet);
      if (norm(txt) === norm(h.title) || norm(h.title).indexOf(norm(txt)) >= 0) {
        if (/<mark>/.test(h.snippet) && norm(txt) === norm(h.title)) setSnippet(a, h.snippet);
      } else {
        const p = el('p', { class: 'snippet' });
        setSnippet(p, h.snippet);
        li.appendChild(p);
      }
    }
    if (Array.isArray(h.goals) && h.goals.length) {
      const ul = el('ul', { class: 'hit-goals', 'aria-label': t('hitGoals') });
      h.goals.forEach(function (g) {
        const gi = el('li', { class: 'goal goal-' + goalGroup(g) }, goalShort(g));
        const full = label('goals', g);
        if (full !== goalShort(g)) gi.appendChild(el('span', { class: 'vh' }, ': ' + full));
        ul.appendChild(gi);
      });
      li.appendChild(ul);
    }
    return li;
  }

  function renderTabs(st, r, eff) {
    const nav = $('kind-tabs');
    const ul = $('kind-tab-list');
    clear(ul);
    const counts = { case: 0, procurement: 0 };
    ((r.facets || {}).kind || []).forEach(function (x) {
      const c = String(x.value !== undefined ? x.value : x.code);
      counts[c] = x.count || 0;
    });
    counts.all = counts.case + counts.procurement;
    ['case', 'procurement', 'all'].forEach(function (k) {
      const li = el('li');
      const ns = Object.assign({}, st, { tab: k, offset: 0, filters: Object.assign({}, st.filters) });
      if (k === 'all') delete ns.filters.kind; else ns.filters.kind = [k];
      const a = el('a', { href: pageUrl(ns), class: 'tab', id: 'tab-' + k });
      a.appendChild(el('span', { class: 'tab-label' }, t('tab_' + k)));
      a.appendChild(el('span', { class: 'count' }, ' ' + fmtNumber(counts[k])));
      if (eff.tab === k) a.setAttribute('aria-current', 'page');
      a.addEventListener('click', function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
        ev.preventDefault();
        afterSearch = function () { const x = $('tab-' + k); if (x) x.focus(); };
        navigate(pageUrl(ns), true, true);
      });
      li.appendChild(a);
      ul.appendChild(li);
    });
    nav.hidden = false;
  }

  function renderSearch(st, r, eff) {
    eff = eff || st;
    const total = r.total || 0;
    const hits = r.hits || [];
    const from = hits.length ? (r.offset || 0) + 1 : 0;
    const to = (r.offset || 0) + hits.length;
    let msg = total === 0 ? t('hitsNone') : total === 1 ? t('hitsOne') : t('hitsMany', fmtNumber(total));
    if (total > hits.length && hits.length) msg += ' ' + t('hitsRange', fmtNumber(from), fmtNumber(to));
    $('result-status').textContent = msg;

    const notice = $('search-notice');
    const notes = [];
    if (r.used_or_fallback && total) notes.push(t('orFallback')); // "shown": only when there are some
    if (r.parsed_as_plain) notes.push(t('parsedPlain'));
    if (r.cut) notes.push(t('queryCut'));
    notice.textContent = notes.join(' ');
    notice.hidden = notes.length === 0;

    renderTranslations(st, r);
    renderOffers(st, r);
    const sug = $('suggestion');
    clear(sug);
    if (typeof r.showing_results_for === 'string' && r.showing_results_for) {
      // the query found nothing; these are the confident suggestion's hits
      sug.appendChild(document.createTextNode(t('showingFor', '\u201c' + st.q + '\u201d')));
      sug.appendChild(el('strong', null, r.showing_results_for));
      sug.hidden = false;
    } else if (r.suggestion && typeof r.suggestion === 'string') {
      sug.appendChild(document.createTextNode(t('didYouMean')));
      const ns = Object.assign({}, st, { q: r.suggestion, offset: 0 });
      const a = el('a', { href: pageUrl(ns) }, r.suggestion);
      a.addEventListener('click', function (ev) { ev.preventDefault(); navigate(pageUrl(ns), true); });
      sug.appendChild(a);
      sug.hidden = false;
    } else {
      sug.hidden = true;
    }

    renderTabs(st, r, eff);
    const list = $('hits');
    clear(list);
    hits.forEach(function (h) { list.appendChild(renderHit(h)); });
    // cases with all the words but one (a short query that found few):
    // under their own heading, not in the count
    const part = $('partial');
    const plist = $('partial-hits');
    clear(plist);
    (r.partial || []).forEach(function (h) { plist.appendChild(renderHit(h)); });
    part.hidden = !(r.partial && r.partial.length);

    renderPager(st, total);
    renderNoHits(st, eff, total);
    // nothing to sort or export when there is nothing
    $('result-tools').hidden = total === 0;
    // the export is a link (GET): not for a text over a URL's share
    $('result-tools').querySelector('.export-links').hidden = utf8Length(st.q) > GET_TEXT_MAX;

    // export link: the same filters as the hits shown, all matching cases
    // in the page's language: Swedish headings, ';' and a BOM for Swedish Excel
    ['csv', 'xlsx'].forEach(function (fmt) {
      const ex = searchParams(eff, { format: fmt, lang: lang });
      if (st.sort !== 'relevance') ex.set('sort', st.sort);
      $(fmt === 'csv' ? 'export-link' : 'export-xlsx').setAttribute('href', '/v1/export?' + ex.toString());
    });

    renderFacets(st, r.facets || {});
    renderActiveFilters(st);
  }

  // "Sökte även: skolmåltider → school meal": the translations the search
  // added, and a link to search the words alone (translate=off); with
  // translate=off, the link back
  function renderTranslations(st, r) {
    const box = $('translations');
    clear(box);
    const tr = Array.isArray(r.translations) ? r.translations : [];
    box.hidden = true;
    if (!st.q) return;
    if (st.translate === 'off') {
      box.appendChild(document.createTextNode(t('translatedOff') + ' '));
    } else if (tr.length) {
      box.appendChild(document.createTextNode(t('alsoSearched')));
      tr.forEach(function (x, i) {
        if (i) box.appendChild(document.createTextNode('; '));
        // Swedish and English mixed (translations and synonyms): no lang
        box.appendChild(el('span', { class: 'also' }, (x.translations || []).join(', ')));
        box.appendChild(document.createTextNode(' (' + x.words + ')'));
      });
      box.appendChild(document.createTextNode('. '));
    } else {
      return;
    }
    const ns = Object.assign({}, st, { offset: 0, translate: st.translate === 'off' ? '' : 'off' });
    const a = el('a', { href: pageUrl(ns), id: 'translate-toggle' },
      st.translate === 'off' ? t('translateOn') : t('translateOff'));
    a.addEventListener('click', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
      ev.preventDefault();
      navigate(pageUrl(ns), true);
    });
    box.appendChild(a);
    box.hidden = false;
  }

  // a query that names a facet value ("innovationsupphandling"): the
  // filter offered with the number of cases that have it
  function renderOffers(st, r) {
    const box = $('facet-offers');
    clear(box);
    const offers = Array.isArray(r.facet_offers) ? r.facet_offers : [];
    box.hidden = offers.length === 0;
    if (!offers.length) return;
    box.appendChild(document.createTextNode(t('offerFilter')));
    offers.forEach(function (o, i) {
      if (i) box.appendChild(document.createTextNode(' · '));
      const ns = Object.assign({}, st, { offset: 0, filters: Object.assign({}, st.filters) });
      ns.filters[o.facet] = (ns.filters[o.facet] || []).concat([o.code]);
      const label = (lang === 'en' ? o.label_en : o.label_sv) || o.code;
      const a = el('a', { href: pageUrl(ns), class: 'offer' }, label + ' (' + fmtNumber(o.count) + ')');
      a.addEventListener('click', function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
        ev.preventDefault();
        navigate(pageUrl(ns), true);
      });
      box.appendChild(a);
    });
  }

  // page numbers around the current page, the first and the last page the
  // API can give (offset at most MAX_OFFSET): never a page it refuses
  function renderPager(st, total) {
    const reachable = Math.min(total, MAX_OFFSET + PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(reachable / PAGE_SIZE));
    const page = Math.min(pages, Math.floor((st.offset || 0) / PAGE_SIZE) + 1);
    $('pager').hidden = total <= PAGE_SIZE;
    $('page-info').textContent = t('pageInfo', fmtNumber(page), fmtNumber(pages));
    const ul = $('page-list');
    clear(ul);
    function item(n, text, cls, rel) {
      const li = el('li');
      if (n < 1 || n > pages) { li.appendChild(el('span', { class: 'page-gap ' + (cls || '') }, text)); ul.appendChild(li); return; }
      const ns = Object.assign({}, st, { offset: (n - 1) * PAGE_SIZE });
      const a = el('a', { href: pageUrl(ns), class: 'page-link ' + (cls || ''), rel: rel || null }, text);
      if (n === page && !cls) { a.setAttribute('aria-current', 'page'); a.setAttribute('aria-label', t('pageN', n)); }
      else if (!cls) a.setAttribute('aria-label', t('pageN', n));
      a.addEventListener('click', function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
        ev.preventDefault();
        navigate(a.getAttribute('href'), true);
      });
      li.appendChild(a);
      ul.appendChild(li);
    }
    if (page > 1) item(page - 1, t('prevPage'), 'prev', 'prev');
    const shown = {};
    [1, page - 2, page - 1, page, page + 1, page + 2, pages].forEach(function (n) { if (n >= 1 && n <= pages) shown[n] = true; });
    let last = 0;
    Object.keys(shown).map(Number).sort(function (x, y) { return x - y; }).forEach(function (n) {
      if (n > last + 1) { const li = el('li', { class: 'page-gap', 'aria-hidden': 'true' }, '…'); ul.appendChild(li); }
      item(n, fmtNumber(n));
      last = n;
    });
    if (page < pages) item(page + 1, t('nextPage'), 'next', 'next');
    const lim = $('page-limit');
    lim.hidden = total <= reachable;
    lim.textContent = total > reachable ? t('pageLimit', fmtNumber(reachable)) : '';
  }

  // zero hits: each chosen filter offered for removal with the count it
  // would give (one count-only search each)
  function renderNoHits(st, eff, total) {
    const box = $('no-hits');
    const ul = $('no-hits-list');
    clear(ul);
    box.hidden = true;
    if (total) return;
    const offers = [];
    FACETS.forEach(function (f) {
      if (f === 'year') return;
      (eff.filters[f] || []).forEach(function (v) {
        const ns = Object.assign({}, st, { offset: 0, filters: Object.assign({}, st.filters) });
        const left = (st.filters[f] || []).filter(function (x) { return x !== v; });
        if (left.length) ns.filters[f] = left; else delete ns.filters[f];
        if (f === 'kind') ns.tab = 'all';
        offers.push({ key: f === 'kind' ? 'allKinds' : 'removeGives', text: facetTitle(f) + ': ' + label(f, v), st: ns });
      });
    });
    if (st.year) offers.push({ key: 'removeGives', text: facetTitle('year') + ': ' + st.year.replace('..', '–'), st: Object.assign({}, st, { year: '', offset: 0 }) });
    if (!offers.length) return;
    // last resort, shown when no single removal helps: every filter off
    if (offers.length > 1) offers.push({ key: 'clearGives', last: true, st: Object.assign({}, st, { year: '', offset: 0, tab: 'all', filters: {} }) });
    const seq = searchSeq;
    Promise.all(offers.map(function (o) {
      const e = Object.assign({}, o.st, { filters: Object.assign({}, o.st.filters) });
      if (e.tab && e.tab !== 'all') e.filters.kind = [e.tab];
      const p = searchParams(e, { limit: '0', offset: '1', lang: lang }); // offset 1: not in the statistics
      return apiSearch(p).then(function (r) { return r.ok && r.body ? r.body.total || 0 : null; }, function () { return null; });
    })).then(function (counts) {
      if (seq !== searchSeq) return;
      const helps = offers.some(function (o, i) { return !o.last && counts[i]; });
      offers.forEach(function (o, i) {
        if (!counts[i] || (o.last && helps)) return; // no dead end offered
        const li = el('li');
        const n = counts[i] === 1 ? t('oneHit') : t('nHits', fmtNumber(counts[i]));
        const a = el('a', { href: pageUrl(o.st) }, o.key === 'removeGives' ? t(o.key, o.text, n) : t(o.key, n));
        a.addEventListener('click', function (ev) {
          if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
          ev.preventDefault();
          navigate(pageUrl(o.st), true);
        });
        li.appendChild(a);
        ul.appendChild(li);
      });
      box.hidden = !ul.firstChild;
    });
  }

  // one list of facet values with counts as checkboxes; the first five
  // shown, the rest behind "show all" (chosen values always shown)
  function valueList(f, key, values, selected) {
    const frag = document.createDocumentFragment();
    const ul = el('ul', { class: 'facet-values', id: 'facet-values-' + key });
    const open = !!expanded[key];
    values.sort(function (a, b) {
      const sa = selected.indexOf(String(a.value)) >= 0 ? 0 : 1;
      const sb = selected.indexOf(String(b.value)) >= 0 ? 0 : 1;
      return sa - sb;
    });
    values.forEach(function (v, i) {
      const code = String(v.value);
      const id = 'f-' + f + '-' + code.replace(/[^A-Za-z0-9_-]/g, '_');
      const li = el('li');
      if (i >= FACET_SHORT && !open) li.hidden = true;
      const cb = el('input', { type: 'checkbox', id: id, name: f, value: code });
      cb.checked = selected.indexOf(code) >= 0;
      cb.addEventListener('change', function () { toggleFilter(f, code, cb.checked, id); });
      const lb = el('label', { for: id });
      lb.appendChild(el('span', { class: 'facet-label' }, label(f, code)));
      lb.appendChild(el('span', { class: 'count' }, fmtNumber(v.count)));
      li.appendChild(cb);
      li.appendChild(lb);
      ul.appendChild(li);
    });
    frag.appendChild(ul);
    if (values.length > FACET_SHORT) {
      const b = el('button', { type: 'button', class: 'link-button show-all', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': 'facet-values-' + key },
        open ? t('showFewer') : t('showAll', values.length));
      b.addEventListener('click', function () {
        expanded[key] = !expanded[key];
        const now = expanded[key];
        ul.querySelectorAll('li').forEach(function (li, i) { if (i >= FACET_SHORT) li.hidden = !now; });
        b.setAttribute('aria-expanded', now ? 'true' : 'false');
        b.textContent = now ? t('showFewer') : t('showAll', values.length);
        if (now) { const first = ul.querySelectorAll('li')[FACET_SHORT]; if (first) first.querySelector('input').focus(); }
      });
      frag.appendChild(b);
    }
    return frag;
  }

  // the year: a range and the years with their counts (newest first)
  function yearPanel(st, values) {
    yearBox = yearBox || $('year-range');
    const fs = yearBox;
    fs.querySelector('legend').textContent = facetTitle('year');
    const ul = fs.querySelector('.year-counts');
    clear(ul);
    values.slice().sort(function (a, b) { return String(b.value).localeCompare(String(a.value)); }).forEach(function (v) {
      const y = String(v.value);
      const li = el('li');
      const ns = Object.assign({}, st, { year: y, offset: 0 });
      const b = el('a', { href: pageUrl(ns), class: 'year-link' });
      b.appendChild(el('span', null, y));
      b.appendChild(el('span', { class: 'count' }, fmtNumber(v.count)));
      if (st.year === y) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
        ev.preventDefault();
        navigate(pageUrl(ns), true);
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
    ul.hidden = !ul.firstChild;
    return fs;
  }

  function renderFacets(st, facets) {
    const box = $('facet-panels');
    clear(box);
    let yearShown = false;
    FACETS.forEach(function (f) {
      if (f === 'kind') return; // the tabs above the hits
      const values = (facets[f] || []).map(function (x) {
        const code = String(x.value !== undefined ? x.value : x.code);
        if (x.label_sv || x.label_en) {
          labels[f] = labels[f] || {};
          if (!labels[f][code]) labels[f][code] = { sv: x.label_sv || x.label_en, en: x.label_en || x.label_sv };
        }
        return { value: code, count: x.count || 0 };
      });
      if (f === 'year') { box.appendChild(yearPanel(st, values)); yearShown = true; return; }
      const selected = st.filters[f] || [];
      selected.forEach(function (v) {
        if (!values.some(function (x) { return String(x.value) === v; })) values.push({ value: v, count: 0 });
      });
      if (!values.length) return;
      const fs = el('fieldset', { class: 'facet', id: 'facet-' + f });
      fs.appendChild(el('legend', null, facetTitle(f)));
      if (f === 'goals') {
        // display only: SDGs and miljökvalitetsmål as two groups of one facet
        ['sdg', 'mkm', 'other'].forEach(function (g) {
          const part = values.filter(function (v) { return goalGroup(v.value) === g; });
          if (!part.length) return;
          const sub = el('fieldset', { class: 'facet-group', id: 'facet-goals-' + g });
          sub.appendChild(el('legend', null, t(g === 'sdg' ? 'goalsSdg' : g === 'mkm' ? 'goalsMkm' : 'goalsOther')));
          sub.appendChild(valueList(f, 'goals-' + g, part, selected));
          fs.appendChild(sub);
        });
      } else {
        fs.appendChild(valueList(f, f, values, selected));
      }
      box.appendChild(fs);
    });
    if (!yearShown) box.appendChild(yearPanel(st, []));
  }

  function renderActiveFilters(st) {
    const list = $('active-filter-list');
    clear(list);
    const chips = []; // {id, text, remove(keepId)}
    FACETS.forEach(function (f) {
      if (f === 'kind' || f === 'year') return; // kind: the tabs
      (st.filters[f] || []).forEach(function (v) {
        chips.push({ id: 'chip-' + f + '-' + v.replace(/[^A-Za-z0-9_-]/g, '_'), text: facetTitle(f) + ': ' + label(f, v),
          remove: function (keep) { toggleFilter(f, v, false, keep); } });
      });
    });
    if (st.year) {
      chips.push({ id: 'chip-year', text: facetTitle('year') + ': ' + st.year.replace('..', '–'),
        remove: function (keep) {
          const s = readState(); s.year = ''; s.offset = 0;
          afterSearch = function () { focusId(keep); };
          navigate(pageUrl(s), true, true);
        } });
    }
    chips.forEach(function (c, i) {
      const li = el('li');
      const b = el('button', { type: 'button', class: 'chip', id: c.id, 'aria-label': t('removeFilter', c.text) }, c.text + ' ×');
      // focus goes to the next chip, else the one before, else the filter heading
      const keep = chips[i + 1] ? chips[i + 1].id : chips[i - 1] ? chips[i - 1].id : 'facets-title';
      b.addEventListener('click', function () { c.remove(keep); });
      li.appendChild(b);
      list.appendChild(li);
    });
    $('active-filters').hidden = chips.length === 0;
    filterCount = chips.length;
    const ft = $('filter-toggle');
    if (ft) ft.textContent = t('filterToggle', chips.length);
  }

  // keepId: the control to focus once the new results are drawn (the
  // checkbox toggled, or a chip's neighbour)
  function toggleFilter(f, code, on, keepId) {
    const st = readState();
    const cur = st.filters[f] || [];
    const next = cur.filter(function (v) { return v !== code; });
    if (on) next.push(code);
    if (next.length) st.filters[f] = next; else delete st.filters[f];
    st.offset = 0;
    history.pushState(null, '', pageUrl(st));
    if (keepId) afterSearch = function () { focusId(keepId); };
    runSearch(st, false);
  }

  function focusId(id) {
    let n = $(id);
    if (!n || !n.getClientRects().length) n = $('filter-toggle').getClientRects().length ? $('filter-toggle') : $('results-heading');
    n.focus();
  }

  // ---------------------------------------------------------------- case page
  let caseSeq = 0;

  function loadCase(id, focus) {
    const seq = ++caseSeq;
    $('case-article').hidden = true;
    $('case-status').textContent = t('caseLoading');
    $('back-to-search').setAttribute('href', lastSearchUrl);
    const enc = encodeURIComponent(id);
    Promise.all([
      api('GET', '/v1/cases/' + enc),
      api('GET', '/v1/cases/' + enc + '/history').catch(function () { return null; }),
      api('GET', '/v1/cases/' + enc + '/similar?limit=6').catch(function () { return null; }),
      api('GET', '/v1/cases/' + enc + '/html').catch(function () { return null; }),
      loadPlaces()
    ]).then(function (rs) {
      if (seq !== caseSeq) return;
      const c = rs[0];
      if (!c.ok || !c.body) {
        lastCase = null;
        $('case-status').textContent = c.status === 404 ? t('caseNotFound') : t('caseFailed', problemText(c));
        return;
      }
      const rec = c.body.case || c.body;
      return loadCpv(rec.cpv).then(function () {
        if (seq !== caseSeq) return;
        lastCase = {
          c: rec,
          history: rs[1] && rs[1].ok ? rs[1].body : null,
          similar: rs[2] && rs[2].ok ? rs[2].body : null,
          html: rs[3] && rs[3].ok ? rs[3].body : null
        };
        $('case-status').textContent = '';
        renderCase(lastCase);
        if (focus) $('case-title').focus();
      });
    }).catch(function () {
      if (seq !== caseSeq) return;
      $('case-status').textContent = t('caseFailed', t('networkError'));
    });
  }

  // label tables of api/web/labels/ (scripts/make-labels): CPV names per
  // division, NUTS, country and language names; [sv, en] each
  const places = { nuts: {}, country: {}, language: {} };
  const cpvNames = {};
  const cpvLoaded = {};
  let placesLoaded = null;
  function loadPlaces() {
    if (!placesLoaded) {
      placesLoaded = api('GET', 'labels/places.json').then(function (r) {
        if (r.ok && r.body) Object.keys(places).forEach(function (k) { places[k] = r.body[k] || {}; });
      }).catch(function () { placesLoaded = null; });
    }
    return placesLoaded;
  }
  function loadCpv(codes) {
    const divs = {};
    (Array.isArray(codes) ? codes : []).forEach(function (c) {
      const m = /^(\d{2})\d{6}/.exec(String(c));
      if (m && !cpvLoaded[m[1]]) divs[m[1]] = true;
    });
    return Promise.all(Object.keys(divs).map(function (d) {
      cpvLoaded[d] = true;
      return api('GET', 'labels/cpv-' + d + '.json').then(function (r) {
        if (r.ok && r.body) Object.assign(cpvNames, r.body);
      }).catch(function () { cpvLoaded[d] = false; });
    }));
  }
  function pick(pair, code) {
    if (!Array.isArray(pair)) return code;
    return (lang === 'en' ? pair[1] : pair[0]) || pair[0] || code;
  }

  // the rendered Markdown of GET /v1/cases/{id}/html is copied element by
  // element into the page through an allow-list: only these tags, only
  // http(s)/mailto link targets, no attribute else; headings become h3 so
  // the page's outline holds. The server already leaves raw HTML out; this
  // is the second wall.
  const PROSE_TAGS = { P: 'p', BR: 'br', HR: 'hr', EM: 'em', STRONG: 'strong', CODE: 'code', PRE: 'pre',
    BLOCKQUOTE: 'blockquote', UL: 'ul', OL: 'ol', LI: 'li', A: 'a', DEL: 'del',
    H1: 'h3', H2: 'h3', H3: 'h3', H4: 'h3', H5: 'h3', H6: 'h3' };
  function copyProse(from, to) {
    from.childNodes.forEach(function (n) {
      if (n.nodeType === 3) { to.appendChild(document.createTextNode(n.nodeValue)); return; }
      if (n.nodeType !== 1) return; // comments (cmark's "raw HTML omitted") and the rest
      const tag = PROSE_TAGS[n.tagName];
      if (!tag) { copyProse(n, to); return; } // unknown: its text only
      const e = document.createElement(tag);
      if (tag === 'a') {
        const href = n.getAttribute('href') || '';
        if (/^(https?:\/\/|mailto:)/i.test(href)) { e.setAttribute('href', href); e.setAttribute('rel', 'noopener noreferrer nofollow'); }
        else { copyProse(n, to); return; }
      }
      if (tag === 'ol' && /^\d{1,6}$/.test(n.getAttribute('start') || '')) e.setAttribute('start', n.getAttribute('start'));
      copyProse(n, e);
      to.appendChild(e);
    });
  }
  function setProse(node, html, plain) {
    clear(node);
    if (typeof html === 'string') {
      const tpl = document.createElement('template'); // inert: nothing runs or loads
      tpl.innerHTML = html;
      copyProse(tpl.content, node);
    } else if (plain) {
      node.appendChild(el('p', null, plain));
    }
  }

  function addField(dl, key, value) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)) return;
    dl.appendChild(el('dt', null, t(key)));
    const dd = el('dd');
    if (Array.isArray(value)) {
      const ul = el('ul', { class: 'inline-list' });
      value.forEach(function (v) { ul.appendChild(el('li', null, v)); });
      dd.appendChild(ul);
    } else {
      dd.textContent = String(value);
    }
    dl.appendChild(dd);
  }

  // labels, not codes
  function codes(facet, list) {
    if (!Array.isArray(list)) return list;
    return list.map(function (c) { return label(facet, c); });
  }
  function code1(facet, c) {
    if (c === undefined || c === null || c === '') return c;
    return label(facet, c);
  }
  function fmtDate(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(String(s || ''));
    if (!m) return s;
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], m[4] ? +m[4] : 12, m[5] ? +m[5] : 0));
    const o = { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' };
    if (m[4]) { o.hour = '2-digit'; o.minute = '2-digit'; o.timeZone = 'Europe/Stockholm'; }
    try { return d.toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-GB', o); } catch (e) { return s; }
  }
  function fmtMoney(v) {
    try {
      return Number(v.amount).toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-GB',
        { style: 'currency', currency: v.currency || 'SEK', maximumFractionDigits: 0 });
    } catch (e) { return fmtNumber(v.amount) + ' ' + (v.currency || ''); }
  }

  function renderCase(lc) {
    const c = lc.c || {};
    const html = lc.html || {};
    document.title = (c.title || c.id || '') + ' – ' + t('pageTitle');
    const b = c.buyer || {};
    const kick = [code1('kind', c.kind), b.name, c.year].filter(Boolean);
    $('case-kicker').textContent = kick.join(' · ');
    $('case-title').textContent = c.title || c.id || '';
    setProse($('case-summary'), html.summary, c.summary);
    $('case-summary').hidden = !c.summary;
    // what came of it and what was learnt, right after the summary
    [['outcome', c.outcome], ['lessons', c.lessons], ['body', c.body]].forEach(function (x) {
      setProse($('case-' + x[0]), html[x[0]], x[1]);
      $('case-' + x[0] + '-sec').hidden = !x[1];
    });

    const dl = $('case-fields');
    clear(dl);
    addField(dl, 'f_kind', code1('kind', c.kind));
    if (c.status && c.status !== 'published') addField(dl, 'f_status', code1('status', c.status));
    addField(dl, 'f_buyerName', b.name);
    addField(dl, 'f_orgNumber', b.org_number);
    addField(dl, 'f_authorityType', code1('authority_type', c.authority_type));
    addField(dl, 'f_country', b.country ? pick(places.country[b.country], b.country) : null);
    addField(dl, 'f_nuts', b.nuts ? pick(places.nuts[b.nuts], b.nuts) : null);
    addField(dl, 'f_sectors', codes('sectors', c.sectors));
    addField(dl, 'f_categories', codes('categories', c.categories));
    addField(dl, 'f_cpv', Array.isArray(c.cpv) ? c.cpv.map(function (x) {
      const n = pick(cpvNames[x], null);
      return n ? n + ' (' + x + ')' : x;
    }) : null);
    addField(dl, 'f_goals', codes('goals', c.goals));
    addField(dl, 'f_strategic', codes('strategic', c.strategic));
    addField(dl, 'f_procedure', code1('procedure', c.procedure));
    addField(dl, 'f_innovation', codes('innovation', c.innovation));
    addField(dl, 'f_language', c.language ? pick(places.language[c.language], label('language', c.language)) : null);
    addField(dl, 'f_published', c.published ? fmtDate(c.published) : null);
    addField(dl, 'f_awarded', c.awarded ? fmtDate(c.awarded) : null);
    if (!c.published) addField(dl, 'f_year', c.year);
    if (c.value && c.value.amount !== undefined) addField(dl, 'f_value', fmtMoney(c.value));

    // provenance, folded under "Källor": sources, the record's own data, history
    const src = $('case-sources');
    clear(src);
    (c.sources || []).forEach(function (s) {
      const li = el('li');
      const href = safeHref(s.url);
      li.appendChild(href ? el('a', { href: href, rel: 'noopener noreferrer' }, s.url) : el('span', { class: 'url' }, s.url || ''));
      const meta = [];
      if (s.retrieved_at) meta.push(t('retrieved', fmtDate(s.retrieved_at)));
      if (s.format) meta.push(s.format);
      if (s.licence) meta.push(s.licence);
      if (meta.length) li.appendChild(el('span', { class: 'meta' }, ' — ' + meta.join(', ')));
      if (s.sha256) li.appendChild(el('span', { class: 'hash' }, 'sha256 ' + s.sha256));
      src.appendChild(li);
    });
    const rd = $('case-record');
    clear(rd);
    addField(rd, 'f_id', c.id);
    addField(rd, 'f_version', c.version);
    addField(rd, 'f_createdAt', c.created_at ? fmtDate(c.created_at) : null);
    addField(rd, 'f_updatedAt', c.updated_at ? fmtDate(c.updated_at) : null);

    const hist = $('case-history');
    clear(hist);
    let hv = lc.history;
    if (hv && !Array.isArray(hv)) hv = hv.versions || hv.history || hv.items || [];
    (hv || []).forEach(function (h) {
      const parts = [];
      if (h.version !== undefined) parts.push(t('version', h.version));
      const at = h.at || h.created_at || h.updated_at || h.time;
      if (at) parts.push(fmtDate(at));
      if (h.status) parts.push(code1('status', h.status));
      const who = h.actor || h.by || h.origin || h.source || h.change;
      if (who && typeof who === 'string') parts.push(who);
      if (h.comment) parts.push('“' + h.comment + '”');
      hist.appendChild(el('li', null, parts.join(' · ')));
    });
    if (!hist.firstChild) hist.appendChild(el('li', null, t('noHistory')));

    // similar cases: each with its buyer and year, to compare at a glance
    const sim = $('case-similar');
    clear(sim);
    let sv = lc.similar;
    if (sv && !Array.isArray(sv)) sv = sv.hits || sv.similar || sv.items || [];
    (sv || []).forEach(function (h) {
      if (!h || h.id === c.id) return;
      const li = el('li');
      li.appendChild(caseLink(h.id, h.title));
      const meta = [h.kind ? label('kind', h.kind) : null, h.buyer, h.year].filter(Boolean);
      if (meta.length) li.appendChild(el('span', { class: 'meta' }, ' — ' + meta.join(' · ')));
      sim.appendChild(li);
    });
    if (!sim.firstChild) sim.appendChild(el('li', null, t('noSimilar')));
    $('case-article').hidden = false;
  }

  // ---------------------------------------------------------------- submission
  const MY_SUBS_PAGE = 20;    // "Mina inskickade fall": items per request
  let editingId = null;      // a submission being revised (PUT), else null
  let dupConfirmed = false;  // the contributor saw the similar cases and goes on

  function fillSubmitOptions() {
    [['sub-authority-type', 'authority_type'], ['sub-procedure', 'procedure']].forEach(function (x) {
      const sel = $(x[0]);
      const keep = sel.value;
      while (sel.options.length > 1) sel.remove(1);
      Object.keys(labels[x[1]] || {}).forEach(function (code) {
        sel.appendChild(el('option', { value: code }, label(x[1], code)));
      });
      sel.value = keep;
    });
    fillChecks($('sub-sectors-list'), 'sectors', null);
    // goals: every goal visible, in the groups of the search page
    const gl = $('sub-goals-list');
    const checked = {};
    gl.querySelectorAll('input:checked').forEach(function (i) { checked[i.value] = true; });
    clear(gl);
    ['sdg', 'mkm', 'other'].forEach(function (g) {
      const codes = Object.keys(labels.goals || {}).filter(function (c) { return goalGroup(c) === g; });
      if (!codes.length) return;
      const box = el('div', { class: 'goal-group', role: 'group', 'aria-labelledby': 'sub-goals-' + g + '-h' });
      box.appendChild(el('p', { class: 'group-title', id: 'sub-goals-' + g + '-h' }, t(g === 'sdg' ? 'goalsSdg' : g === 'mkm' ? 'goalsMkm' : 'goalsOther')));
      const list = el('div', { class: 'check-list all' });
      fillChecks(list, 'goals', codes, checked);
      box.appendChild(list);
      gl.appendChild(box);
    });
  }

  function fillChecks(box, facet, only, checkedIn) {
    const checked = checkedIn || {};
    if (!checkedIn) box.querySelectorAll('input:checked').forEach(function (i) { checked[i.value] = true; });
    clear(box);
    (only || Object.keys(labels[facet] || {})).forEach(function (code) {
      const id = 'sub-' + facet + '-' + code.replace(/[^A-Za-z0-9_-]/g, '_');
      const d = el('div', { class: 'check' });
      const cb = el('input', { type: 'checkbox', id: id, value: code, name: facet });
      cb.checked = !!checked[code];
      d.appendChild(cb);
      d.appendChild(el('label', { for: id }, label(facet, code)));
      box.appendChild(d);
    });
  }

  function clearErrors() {
    document.querySelectorAll('#submit-form .field-error').forEach(function (p) { p.textContent = ''; });
    document.querySelectorAll('#submit-form [aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
    clear($('submit-errors'));
    $('submit-errors').hidden = true;
    lastApiErrors = null;
  }

  function fieldFor(path) {
    for (let i = 0; i < ERROR_FIELDS.length; i++) if (ERROR_FIELDS[i][0].test(path)) return ERROR_FIELDS[i][1];
    return null;
  }

  function fieldName(id) {
    const lb = document.querySelector('label[for="' + id + '"]') || document.querySelector('#' + id + ' > legend');
    return lb ? lb.textContent.replace(/\s*\*\s*$/, '') : id;
  }

  // errors: [{field id | null, message}]
  function showErrors(errors, heading, noFocus) {
    const box = $('submit-errors');
    clear(box);
    box.appendChild(el('h2', null, heading));
    const ul = el('ul');
    errors.forEach(function (e) {
      const li = el('li');
      if (e.field) {
        const p = $('err-' + e.field);
        p.textContent = p.textContent ? p.textContent + ' ' + e.message : e.message;
        const ctl = $(e.field);
        ctl.setAttribute('aria-invalid', 'true');
        const a = el('a', { href: '#' + e.field }, fieldName(e.field) + ': ' + e.message);
        a.addEventListener('click', function (ev) {
          ev.preventDefault();
          const target = ctl.tagName === 'FIELDSET' ? ctl.querySelector('input') : ctl;
          if (target) target.focus();
        });
        li.appendChild(a);
      } else {
        li.textContent = e.message;
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.hidden = false;
    if (!noFocus) box.focus();
  }

  // the page's own message for a field the API found wrong (its reason,
  // in English, follows in brackets)
  function fieldMessage(field, reason) {
    const k = 'err_' + field.replace(/^sub-/, '').replace(/-/g, '_');
    const own = STRINGS.sv[k] ? t(k) : null;
    if (!own) return reason;
    return lang === 'en' || !reason ? own + (lang === 'en' && reason ? ' (' + reason + ')' : '') : own + ' (' + reason + ')';
  }

  // The API's validation problems, each beside its field and in the
  // summary, in the page's language: a known errors[].code by the page's own
  // sentence (STRINGS ec_*), an unknown one by the server's reason, a
  // problem without a code (an older server) by the field's sentence.
  // Kept (lastApiErrors) so that switching the language words them again.
  function apiErrorMessage(e, field) {
    const code = typeof e.code === 'string' ? e.code : '';
    const reason = String(e.reason || e.message || '');
    if (code && Object.prototype.hasOwnProperty.call(STRINGS.sv, 'ec_' + code)) return t('ec_' + code);
    if (code) return reason || code;
    return field ? fieldMessage(field, reason) : reason;
  }

  function showApiErrors(errs, focus) {
    lastApiErrors = errs;
    showErrors(errs.map(function (e) {
      const path = String(e.path || '');
      const field = fieldFor(path);
      const msg = apiErrorMessage(e, field);
      return { field: field, message: field ? msg : msg + (path ? ' (' + path + ')' : '') };
    }), t('submitErrors'), !focus);
  }

  function buildCase() {
    const c = { kind: $('sub-kind').value, title: $('sub-title').value.trim() };
    const summary = $('sub-summary').value.trim();
    if (summary) c.summary = summary;
    ['body', 'outcome', 'lessons'].forEach(function (f) {
      const v = $('sub-' + f).value.trim();
      if (v) c[f] = v;
    });
    if ($('sub-language').value) c.language = $('sub-language').value;
    const bn = $('sub-buyer-name').value.trim();
    const on = $('sub-org-number').value.trim();
    if (bn || on) {
      c.buyer = {};
      if (bn) c.buyer.name = bn;
      if (on) c.buyer.org_number = on;
    }
    if ($('sub-authority-type').value) c.authority_type = $('sub-authority-type').value;
    const sec = Array.from(document.querySelectorAll('#sub-sectors-list input:checked')).map(function (i) { return i.value; });
    if (sec.length) c.sectors = sec;
    const goals = Array.from(document.querySelectorAll('#sub-goals-list input:checked')).map(function (i) { return i.value; });
    if (goals.length) c.goals = goals;
    if ($('sub-procedure').value) c.procedure = $('sub-procedure').value;
    const cpv = $('sub-cpv').value.split(/[\s,;]+/).filter(Boolean);
    if (cpv.length) c.cpv = cpv;
    const val = $('sub-value').value.replace(/[\s\u00a0]/g, '').replace(',', '.');
    if (val) c.value = { amount: Number(val), currency: $('sub-currency').value.trim().toUpperCase() || 'SEK' };
    if ($('sub-published').value) c.published = $('sub-published').value;
    if ($('sub-awarded').value) c.awarded = $('sub-awarded').value;
    c.sources = [{ url: $('sub-source-url').value.trim(), retrieved_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }];
    return c;
  }

  // the form from a stored case (revising a submission)
  function fillForm(c) {
    $('submit-form').reset();
    $('sub-title').value = c.title || '';
    ['summary', 'body', 'outcome', 'lessons'].forEach(function (f) { $('sub-' + f).value = c[f] || ''; });
    $('sub-kind').value = c.kind || 'case';
    $('sub-language').value = c.language || 'sv';
    $('sub-buyer-name').value = (c.buyer && c.buyer.name) || '';
    $('sub-org-number').value = (c.buyer && c.buyer.org_number) || '';
    $('sub-authority-type').value = c.authority_type || '';
    $('sub-procedure').value = c.procedure || '';
    $('sub-cpv').value = (c.cpv || []).join(', ');
    $('sub-value').value = c.value && c.value.amount !== undefined ? String(c.value.amount) : '';
    $('sub-currency').value = (c.value && c.value.currency) || 'SEK';
    $('sub-published').value = c.published || '';
    $('sub-awarded').value = c.awarded || '';
    document.querySelectorAll('#sub-sectors-list input, #sub-goals-list input').forEach(function (i) {
      i.checked = (c[i.name] || []).indexOf(i.value) >= 0;
    });
    $('sub-source-url').value = (c.sources && c.sources[0] && c.sources[0].url) || '';
  }

  // signing in: a token is pasted once per browser session, kept in
  // sessionStorage and never shown again; "Logga ut" forgets it
  function showContribSignIn() {
    const signed = !!token('contributor');
    $('sub-token-field').hidden = signed;
    $('sub-token').value = '';
    $('contrib-signed-in').hidden = !signed;
  }

  // "Mina inskickade fall": the signed-in person's submissions from the
  // server (GET /v1/submissions), newest change first, with status, version,
  // last change and the reviewer's last comment; "Visa fler" pages on.
  function loadMySubs(more) {
    const tok = token('contributor');
    const ul = $('my-subs-list');
    if (!tok) { clear(ul); $('my-subs').hidden = true; $('my-subs-more').hidden = true; return Promise.resolve(); }
    const offset = more ? ul.children.length : 0;
    return api('GET', '/v1/submissions?limit=' + MY_SUBS_PAGE + '&offset=' + offset, { token: tok }).then(function (res) {
      if (res.status === 401 || res.status === 403) {
        setToken('contributor', '');
        showContribSignIn();
        clear(ul);
        $('my-subs').hidden = true;
        return res;
      }
      if (!res.ok || !res.body || !Array.isArray(res.body.items)) {
        $('my-subs-status').textContent = t('mySubsFailed', problemText(res));
        $('my-subs').hidden = false;
        return res;
      }
      if (!more) clear(ul);
      res.body.items.forEach(function (s) { ul.appendChild(mySubItem(s, tok)); });
      const total = Number(res.body.total) || 0;
      $('my-subs-status').textContent = total === 1 ? t('mySubsOne') : total ? t('mySubsCount', fmtNumber(total)) : t('mySubsNone');
      $('my-subs-more').hidden = ul.children.length >= total;
      $('my-subs').hidden = false;
      return res;
    }).catch(function () {
      $('my-subs-status').textContent = t('mySubsFailed', t('networkError'));
      $('my-subs').hidden = false;
    });
  }

  function mySubItem(s, tok) {
    const li = el('li', { class: 'my-sub', 'data-id': s.id });
    const h = el('h3');
    if (s.status === 'published') h.appendChild(caseLink(s.id, s.title || s.id));
    else h.textContent = s.title || s.id;
    li.appendChild(h);
    li.appendChild(el('p', { class: 'sub-status status-' + (s.status || '') }, t('statusIs', code1('status', s.status || 'submitted'))));
    li.appendChild(el('p', { class: 'meta' }, t('mySubMeta', s.id, s.version || 1, s.updated_at ? fmtDate(s.updated_at) : '')));
    const r = s.last_comment;
    if (r && r.comment) {
      const q = el('blockquote', { class: 'review-comment' });
      q.appendChild(el('p', null, r.comment));
      q.appendChild(el('footer', null, t('reviewerSaid', code1('decision', r.decision), r.at ? fmtDate(r.at) : '')));
      li.appendChild(q);
    }
    if (s.status === 'changes_requested' || s.status === 'submitted') {
      if (s.this_token === false) {
        li.appendChild(el('p', { class: 'hint' }, t('otherToken')));
      } else {
        const b = el('button', { type: 'button', class: 'secondary revise', 'data-id': s.id }, t('revise'));
        b.addEventListener('click', function () {
          b.disabled = true;
          api('GET', '/v1/submissions/' + encodeURIComponent(s.id), { token: tok }).then(function (res) {
            b.disabled = false;
            if (res.ok && res.body) startRevise(res.body);
            else $('my-subs-status').textContent = t('mySubsFailed', problemText(res));
          }, function () { b.disabled = false; $('my-subs-status').textContent = t('mySubsFailed', t('networkError')); });
        });
        li.appendChild(b);
      }
    }
    return li;
  }

  // "Visa mina inskickade fall" beside the token field: signs in without
  // sending a case
  function contribSignIn() {
    const tok = $('sub-token').value.trim();
    clearErrors();
    if (!tok) { showErrors([{ field: 'sub-token', message: t('tokenRequired') }], t('submitErrors')); return; }
    setToken('contributor', tok);
    showContribSignIn();
    loadMySubs().then(function (res) {
      if (res && (res.status === 401 || res.status === 403)) {
        showErrors([{ field: 'sub-token', message: t('tokenRejected') + ' ' + problemText(res) }], t('submitErrors'));
        return;
      }
      $('my-subs-title').focus();
    });
  }

  function startRevise(s) {
    editingId = s.id;
    dupConfirmed = true; // a revision is the same case
    fillForm(s.case || {});
    $('form-title').textContent = t('reviseTitle', (s.case && s.case.title) || s.id);
    $('submit-button').textContent = t('resubmit');
    $('cancel-edit').hidden = false;
    $('form-title').focus();
  }

  function endRevise() {
    editingId = null;
    dupConfirmed = false;
    $('form-title').textContent = t('newCase');
    $('submit-button').textContent = t('submitButton');
    $('cancel-edit').hidden = true;
  }

  // before a new case is stored: POST /v1/submissions/check gives what the
  // submission would get — every validation problem (shown at once, nothing
  // sent), else the published cases the workflow's duplicate check finds;
  // with any, the contributor sees them and going on needs a click.
  // Resolves true to submit now.
  function dupCheck(c, tok) {
    return api('POST', '/v1/submissions/check', { token: tok, json: c }).then(function (res) {
      if (!res.ok) {
        if (res.status === 404 || res.status === 405) return true; // an older server: submit
        afterSubmit(res, c);
        return false;
      }
      const hits = res.body && Array.isArray(res.body.duplicates) ? res.body.duplicates : [];
      if (!hits.length) return true;
      const ul = $('dup-check-list');
      clear(ul);
      hits.forEach(function (h) {
        const li = el('li');
        const a = el('a', { href: withLang(location.pathname + '?case=' + encodeURIComponent(h.id)), target: '_blank', rel: 'noopener' }, h.title || h.id);
        li.appendChild(a);
        const meta = [h.buyer, h.year].filter(Boolean);
        if (typeof h.score === 'number') meta.push(t('dupScore', Math.round(h.score * 100)));
        if (meta.length) li.appendChild(el('span', { class: 'meta' }, ' — ' + meta.join(' · ')));
        ul.appendChild(li);
      });
      clear($('submit-status'));
      $('dup-check').hidden = false;
      $('dup-confirm').focus();
      return false;
    }, function () { return true; });
  }

  function onSubmit(ev) {
    if (ev) ev.preventDefault();
    clearErrors();
    clear($('submit-status'));
    $('submit-duplicates').hidden = true;
    $('dup-check').hidden = true;
    const tok = token('contributor') || $('sub-token').value.trim();
    const problems = [];
    if (!tok) problems.push({ field: 'sub-token', message: t('tokenRequired') });
    if (problems.length) { showErrors(problems, t('submitErrors')); return; }
    setToken('contributor', tok);
    showContribSignIn();
    const c = buildCase();
    const go = editingId || dupConfirmed ? Promise.resolve(true) : dupCheck(c, tok);
    go.then(function (ok) {
      if (!ok) return;
      $('dup-check').hidden = true;
      $('submit-status').appendChild(el('p', null, t('submitting')));
      const req = editingId ? api('PUT', '/v1/submissions/' + encodeURIComponent(editingId), { token: tok, json: c })
        : api('POST', '/v1/submissions', { token: tok, json: c });
      return req.then(function (res) { afterSubmit(res, c); });
    }).catch(function () {
      clear($('submit-status'));
      showErrors([{ field: null, message: t('submitFailed', t('networkError')) }], t('submitErrors'));
    });
  }

  function afterSubmit(res, c) {
    const st = $('submit-status');
    clear(st);
    if (res.ok && res.body && (res.body.id || editingId)) {
      const b = res.body || {};
      const id = b.id || editingId;
      // the status page: id, status, what happens next, a link
      st.appendChild(el('h2', null, editingId ? t('resubmitted') : t('submittedTitle')));
      st.appendChild(el('p', { class: 'success' }, t('submitOk', id, code1('status', b.status || 'submitted'))));
      st.appendChild(el('p', null, t('whatNext')));
      const p = el('p');
      p.appendChild(caseLink(id, t('caseLinkWhenPublished')));
      st.appendChild(p);
      const dl = $('submit-duplicate-list');
      clear(dl);
      (b.duplicates || []).forEach(function (d) {
        const li = el('li');
        li.appendChild(caseLink(d.id, d.title || d.id));
        dl.appendChild(li);
      });
      $('submit-duplicates').hidden = !dl.firstChild;
      $('submit-form').reset();
      endRevise();
      loadMySubs();
      st.focus();
      void c;
      return;
    }
    if (res.status === 401 || res.status === 403) {
      setToken('contributor', '');
      showContribSignIn();
      showErrors([{ field: 'sub-token', message: t('tokenRejected') + ' ' + problemText(res) }], t('submitErrors'));
      return;
    }
    const errs = res.body && Array.isArray(res.body.errors) ? res.body.errors : null;
    if (errs && errs.length) {
      showApiErrors(errs, true);
    } else {
      showErrors([{ field: null, message: t('submitFailed', problemText(res)) }], t('submitErrors'));
    }
  }

  // ---------------------------------------------------------------- review
  function loadQueue() {
    const tok = token('reviewer');
    showReviewerSignIn();
    $('review-error').textContent = '';
    const q = $('review-queue');
    clear(q);
    if (!tok) { $('review-status').textContent = t('needReviewToken'); return Promise.resolve(); }
    return api('GET', '/v1/review/queue', { token: tok }).then(function (res) {
      if (!res.ok || !res.body) {
        $('review-status').textContent = '';
        $('review-error').textContent = t('queueFailed', (res.status === 401 || res.status === 403) ? t('tokenRejected') : problemText(res));
        return;
      }
      const items = res.body.items || [];
      $('review-status').textContent = items.length ? t('queueCount', res.body.total !== undefined ? res.body.total : items.length) : t('queueEmpty');
      items.forEach(function (it) {
        const li = el('li');
        const b = el('button', { type: 'button', class: 'link-button', 'data-id': it.id }, it.title || it.id);
        b.setAttribute('aria-label', t('openItem', it.title || it.id));
        b.addEventListener('click', function () { openSubmission(it.id, it.contributor); });
        li.appendChild(b);
        li.appendChild(el('span', { class: 'meta' }, ' ' + [it.id, it.submitted_at ? fmtDate(it.submitted_at) : null, code1('status', it.status)].filter(Boolean).join(' · ')));
        q.appendChild(li);
      });
    }).catch(function () { $('review-error').textContent = t('queueFailed', t('networkError')); });
  }

  function show(v) {
    if (v === undefined || v === null) return '—';
    if (typeof v === 'string') return v;
    return JSON.stringify(v);
  }

  function openSubmission(id, contributor) {
    const tok = token('reviewer');
    $('review-error').textContent = '';
    return api('GET', '/v1/submissions/' + encodeURIComponent(id), { token: tok }).then(function (res) {
      if (!res.ok || !res.body) { $('review-error').textContent = t('queueFailed', problemText(res)); return; }
      const s = res.body;
      const c = s.case || {};
      currentReviewId = s.id || id;
      currentReviewVersion = s.version;
      $('review-item-title').textContent = c.title || currentReviewId;
      $('review-item-meta').textContent = t('submittedBy', fmtDate(s.submitted_at || c.created_at || ''), s.contributor || contributor || '—', code1('status', s.status || c.status || ''));
      const body = $('review-diff-body');
      clear(body);
      let diff = Array.isArray(s.diff) ? s.diff : null;
      const fresh = !diff || (!diff.length && !s.diff_from);
      if (fresh) {
        // a first version: every field of the case is new
        diff = [];
        Object.keys(c).forEach(function (k) {
          if (k === 'buyer' && c.buyer && typeof c.buyer === 'object') // a row per buyer field
            Object.keys(c.buyer).forEach(function (b) { diff.push({ path: '$.buyer.' + b, before: null, after: c.buyer[b] }); });
          else diff.push({ path: '$.' + k, before: null, after: c[k] });
        });
      }
      $('review-diff-note').textContent = fresh ? t('diffNone') : '';
      diff.filter(function (d) { return !DIFF_SKIP.test(String(d.path)); }).forEach(function (d) {
        const tr = el('tr');
        tr.appendChild(el('th', { scope: 'row' }, diffLabel(String(d.path))));
        tr.appendChild(el('td', { class: 'before', 'data-label': t('diffBefore') }, showValue(d.path, d.before)));
        tr.appendChild(el('td', { class: 'after', 'data-label': t('diffAfter') }, showValue(d.path, d.after)));
        body.appendChild(tr);
      });
      showEarlier(s);
      showReviewDups(c);
      history.replaceState(null, '', withLang(location.pathname + '?view=review&sub=' + encodeURIComponent(currentReviewId)));
      $('decision-comment').value = '';
      $('review-item').hidden = false;
      $('review-item-title').focus();
    }).catch(function () { $('review-error').textContent = t('queueFailed', t('networkError')); });
  }

  function decide(decision, confirmed) {
    if (!currentReviewId) return;
    const comment = $('decision-comment').value.trim();
    $('review-error').textContent = '';
    if (decision !== 'approve' && !comment) {
      $('review-error').textContent = t('commentRequired');
      $('decision-comment').focus();
      return;
    }
    if (decision !== 'request_changes' && !confirmed) { askConfirm(decision); return; }
    $('decision-confirm').hidden = true;
    // the version shown: if the contributor revised it meanwhile, the
    // server answers 409 instead of deciding on text nobody reviewed
    const body = { decision: decision, version: currentReviewVersion };
    if (comment) body.comment = comment;
    const id = currentReviewId;
    api('POST', '/v1/review/' + encodeURIComponent(id) + '/decision', { token: token('reviewer'), json: body }).then(function (res) {
      if (res.status === 409 && res.body && res.body.current_status === 'submitted') {
        // revised since it was opened: show the new version and say why
        const why = t('decisionFailed', problemText(res));
        return openSubmission(id).then(function () { $('review-error').textContent = why; });
      }
      if (!res.ok) { $('review-error').textContent = t('decisionFailed', problemText(res)); return; }
      const st = (res.body && res.body.status) || decision;
      $('review-item').hidden = true;
      currentReviewId = null;
      return loadQueue().then(function () {
        $('review-status').textContent = t('decisionDone', id, code1('status', st)) + ' ' + $('review-status').textContent;
        $('queue-title').setAttribute('tabindex', '-1');
        $('queue-title').focus();
      });
    }).catch(function () { $('review-error').textContent = t('decisionFailed', t('networkError')); });
  }

  // ---------------------------------------------------------------- review helpers
  // the diff in the case's own words: a label per field, not a JSON path;
  // the record's bookkeeping (status, version, times) left out
  const DIFF_SKIP = /^\$\.(status|version|created_at|updated_at|id)$/;
  const DIFF_FIELDS = {
    title: 'f_title', summary: 'f_summary', body: 'f_body', outcome: 'f_outcome', lessons: 'f_lessons',
    kind: 'f_kind', language: 'f_language', authority_type: 'f_authorityType', sectors: 'f_sectors',
    categories: 'f_categories', cpv: 'f_cpv', goals: 'f_goals', strategic: 'f_strategic',
    procedure: 'f_procedure', innovation: 'f_innovation', published: 'f_published', awarded: 'f_awarded',
    value: 'f_value', sources: 'f_sources', 'buyer.name': 'f_buyerName', 'buyer.org_number': 'f_orgNumber',
    'buyer.country': 'f_country', 'buyer.nuts': 'f_nuts', buyer: 'f_buyerName', year: 'f_year'
  };
  function diffLabel(path) {
    const m = /^\$\.([a-z_]+(?:\.[a-z_]+)?)(?:\.([a-z_]+))?(?:\[(\d+)\])?/.exec(path);
    if (!m) return path;
    const key = DIFF_FIELDS[m[1]] || DIFF_FIELDS[m[1].split('.')[0]];
    if (!key) return path;
    return t(key) + (m[3] !== undefined ? ' ' + (Number(m[3]) + 1) : '');
  }
  const DIFF_FACETS = { kind: 1, authority_type: 1, sectors: 1, categories: 1, goals: 1, strategic: 1, procedure: 1, innovation: 1 };
  function showValue(path, v) {
    if (v === undefined || v === null || v === '') return '—';
    const m = /^\$\.([a-z_]+)/.exec(String(path));
    const f = m && DIFF_FACETS[m[1]] ? m[1] : null;
    if (f && typeof v === 'string') return label(f, v);
    if (f && Array.isArray(v)) return v.map(function (x) { return label(f, x); }).join(', ');
    if (Array.isArray(v)) return v.map(function (x) { return typeof x === 'object' && x ? (x.url || JSON.stringify(x)) : String(x); }).join(', ');
    if (typeof v === 'object') {
      if (v.amount !== undefined) return fmtMoney(v);
      if (v.url) return v.url;
      return Object.keys(v).map(function (k) { return diffLabel('$.' + m[1] + '.' + k) + ': ' + String(v[k]); }).join('; ');
    }
    return String(v);
  }
  // earlier comments beside the submission
  function showEarlier(s) {
    const box = $('review-earlier');
    const ul = $('review-earlier-list');
    clear(ul);
    (s.reviews || []).filter(function (r) { return r && (r.comment || r.decision); }).forEach(function (r) {
      ul.appendChild(el('li', null, [code1('decision', r.decision), r.at ? fmtDate(r.at) : '', r.comment ? '“' + r.comment + '”' : ''].filter(Boolean).join(' · ')));
    });
    box.hidden = !ul.firstChild;
  }
  // possible duplicates beside the submission: the published cases most
  // like its title and summary (POST /v1/similar, the contributor's check)
  function showReviewDups(c) {
    const box = $('review-dups');
    const ul = $('review-dups-list');
    clear(ul);
    box.hidden = true;
    const text = [c.title, c.summary].filter(Boolean).join('. ');
    if (!text) return;
    const id = currentReviewId;
    api('POST', '/v1/similar', { json: { text: text.slice(0, 8000), limit: 3 } }).then(function (res) {
      if (id !== currentReviewId || !res.ok || !res.body) return;
      (res.body.hits || []).forEach(function (h) {
        if (h.id === id) return;
        const li = el('li');
        li.appendChild(el('a', { href: withLang(location.pathname + '?case=' + encodeURIComponent(h.id)), target: '_blank', rel: 'noopener' }, h.title || h.id));
        const meta = [h.buyer, h.year].filter(Boolean);
        if (meta.length) li.appendChild(el('span', { class: 'meta' }, ' — ' + meta.join(' · ')));
        ul.appendChild(li);
      });
      box.hidden = !ul.firstChild;
    }).catch(function () { /* nothing beside it */ });
  }

  // approve and reject ask once more, in the page
  function askConfirm(decision) {
    const box = $('decision-confirm');
    $('decision-confirm-text').textContent = t(decision === 'approve' ? 'confirmApprove' : 'confirmReject', $('review-item-title').textContent);
    const yes = $('decision-confirm-yes');
    yes.textContent = t(decision === 'approve' ? 'approve' : 'reject');
    yes.className = decision === 'approve' ? '' : 'danger';
    yes.onclick = function () { decide(decision, true); };
    box.hidden = false;
    yes.focus();
  }
  function showReviewerSignIn() {
    const signed = !!token('reviewer');
    $('review-token').value = '';
    $('review-token-form').hidden = signed;
    $('reviewer-signed-in').hidden = !signed;
    $('stats-open').hidden = !signed;
  }

  // ---------------------------------------------------------------- follow-up (statistics)
  // simple horizontal bar charts drawn as inline SVG (no chart library)
  function barChart(title, rows, hint) {
    const fig = el('figure', { class: 'chart' });
    fig.appendChild(el('figcaption', null, title));
    if (hint) fig.appendChild(el('p', { class: 'hint' }, hint));
    if (!rows.length) { fig.appendChild(el('p', { class: 'hint' }, t('noData'))); return fig; }
    const NS = 'http://www.w3.org/2000/svg';
    const max = Math.max.apply(null, rows.map(function (r) { return r[1]; })) || 1;
    const rowH = 22;
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 100 ' + rows.length * rowH);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'bars');
    svg.setAttribute('height', String(rows.length * rowH));
    rows.forEach(function (r, i) {
      const rect = document.createElementNS(NS, 'rect');
      rect.setAttribute('x', '0');
      rect.setAttribute('y', String(i * rowH + 4));
      rect.setAttribute('height', String(rowH - 8));
      rect.setAttribute('width', String(Math.max(0.5, 100 * r[1] / max)));
      svg.appendChild(rect);
    });
    // the numbers as a list beside the bars: what a screen reader reads
    const wrap = el('div', { class: 'chart-body' });
    const ol = el('ol', { class: 'chart-labels' });
    rows.forEach(function (r) {
      const li = el('li');
      li.appendChild(el('span', { class: 'chart-name' }, r[0]));
      li.appendChild(el('span', { class: 'count' }, fmtNumber(r[1])));
      ol.appendChild(li);
    });
    wrap.appendChild(ol);
    wrap.appendChild(svg);
    fig.appendChild(wrap);
    return fig;
  }

  function loadStats() {
    const box = $('stats-charts');
    clear(box);
    $('stats').hidden = false;
    $('stats-status').textContent = t('loading');
    return Promise.all([api('GET', '/v1/stats', { token: token('reviewer') }), api('GET', '/v1/facets')]).then(function (rs) {
      const st = rs[0].ok && rs[0].body ? rs[0].body : null;
      const fc = rs[1].ok && rs[1].body ? rs[1].body.facets || {} : {};
      if (!st) { $('stats-status').textContent = t('queueFailed', problemText(rs[0])); return; }
      const tot = st.totals || {};
      $('stats-status').textContent = t('statsTotals', fmtNumber(tot.searches || 0), fmtNumber(tot.zero_results || 0), fmtNumber(tot.case_views || 0));
      const top = function (list, n) { return list.filter(function (r) { return r[1] > 0; }).sort(function (a, b) { return b[1] - a[1]; }).slice(0, n); };
      const fv = function (f, byLabel) {
        return (fc[f] || []).map(function (x) { return [byLabel ? label(f, x.code) : String(x.code), x.count || 0]; });
      };
      box.appendChild(barChart(t('chartZero'), top((st.zero_result_queries || []).map(function (q) { return [q.query, q.count]; }), 10)));
      box.appendChild(barChart(t('chartWords'), top((st.top_words || []).map(function (w) { return [w.word, w.count]; }), 15),
        t('chartWordsHint', st.top_words_min_count || 3)));
      box.appendChild(barChart(t('chartFacets'), top((st.facets || []).map(function (q) { return [facetTitle(q.facet), q.uses]; }), 12)));
      box.appendChild(barChart(t('chartGoals'), top(fv('goals', true), 12)));
      box.appendChild(barChart(t('chartAuthority'), top(fv('authority_type', true), 10)));
      box.appendChild(barChart(t('chartYears'), fv('year', false).filter(function (r) { return r[1] > 0; })
        .sort(function (a, b) { return b[0].localeCompare(a[0]); }).slice(0, 16)));
    }).catch(function () { $('stats-status').textContent = t('queueFailed', t('networkError')); });
  }

  // ---------------------------------------------------------------- wiring
  function init() {
    const p = new URLSearchParams(location.search);
    let l = p.get('lang');
    if (!l) { try { l = localStorage.getItem('caselib.lang'); } catch (e) { l = null; } }
    lang = l === 'en' ? 'en' : 'sv';
    // #/case/ID links become ?case=ID so the URL has one form
    const hm = /^#\/case\/(.+)$/.exec(location.hash);
    if (hm) history.replaceState(null, '', withLang(location.pathname + '?case=' + encodeURIComponent(decodeURIComponent(hm[1]))));
    applyStrings();

    $('lang-switch').addEventListener('click', function () { setLang(lang === 'sv' ? 'en' : 'sv', true); });
    $('search-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      const st = readState();
      st.view = 'search';
      st.caseId = null;
      st.q = $('q').value.trim();
      st.offset = 0;
      navigate(pageUrl(st), true);
    });
    // a new sort searches at once, keeps the focus on the list and says so
    // in the live region
    $('sort').addEventListener('change', function () {
      const st = readState(); st.sort = $('sort').value; st.offset = 0;
      const name = $('sort').options[$('sort').selectedIndex].textContent;
      afterSearch = function () { $('result-status').textContent = t('sorted', name) + ' ' + $('result-status').textContent; };
      navigate(pageUrl(st), true, true);
    });
    $('filter-toggle').addEventListener('click', function () {
      const open = $('facets').classList.toggle('open');
      $('filter-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
    });
    $('clear-all').addEventListener('click', function () {
      const st = readState(); st.filters = st.filters.kind ? { kind: st.filters.kind } : {}; st.year = ''; st.offset = 0; navigate(pageUrl(st), true);
    });
    ['year-from', 'year-to'].forEach(function (id) {
      $(id).addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter') { ev.preventDefault(); $('year-apply').click(); }
      });
    });
    $('year-apply').addEventListener('click', function () {
      const a = $('year-from').value.trim();
      const b = $('year-to').value.trim();
      const st = readState();
      st.year = a && b ? (a === b ? a : a + '..' + b) : a ? a + '..' : b ? '..' + b : '';
      st.offset = 0;
      navigate(pageUrl(st), true);
    });
    document.querySelectorAll('[data-view-link]').forEach(function (a) {
      a.addEventListener('click', function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
        ev.preventDefault();
        navigate(a.getAttribute('href'), true);
      });
    });
    $('back-to-search').addEventListener('click', function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
      ev.preventDefault();
      navigate(lastSearchUrl, true);
    });
    $('submit-form').addEventListener('submit', onSubmit);
    $('dup-confirm').addEventListener('click', function () { dupConfirmed = true; onSubmit(null); });
    $('cancel-edit').addEventListener('click', function () { $('submit-form').reset(); endRevise(); $('form-title').focus(); });
    $('contrib-sign-out').addEventListener('click', function () {
      setToken('contributor', ''); showContribSignIn(); clear($('my-subs-list')); $('my-subs').hidden = true; $('sub-token').focus();
    });
    $('contrib-sign-in').addEventListener('click', contribSignIn);
    $('my-subs-more').addEventListener('click', function () { loadMySubs(true); });
    showContribSignIn();
    $('review-token-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      setToken('reviewer', $('review-token').value.trim());
      loadQueue().then(function () {
        if (token('reviewer') && !$('review-error').textContent) $('review-status').textContent = t('tokenSaved') + ' ' + $('review-status').textContent;
      });
    });
    $('stats-open').addEventListener('click', function () { loadStats().then(function () { $('stats-title').focus(); }); });
    $('decision-cancel').addEventListener('click', function () { $('decision-confirm').hidden = true; $('decision-comment').focus(); });
    $('forget-token').addEventListener('click', function () {
      setToken('reviewer', '');
      $('review-token').value = '';
      $('review-item').hidden = true;
      clear($('review-queue'));
      $('review-status').textContent = t('tokenForgotten');
      $('stats').hidden = true;
      showReviewerSignIn();
      $('review-token').focus();
    });
    document.querySelectorAll('[data-decision]').forEach(function (b) {
      b.addEventListener('click', function () { decide(b.getAttribute('data-decision')); });
    });
    window.addEventListener('popstate', function () { route(false); });

    loadLabels().then(function () {
      applyStrings();
      route(false);
    });
  }

  // exposed for the browser test's unit checks of the snippet filter
  window.caselibSafeSnippet = safeSnippet;

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
